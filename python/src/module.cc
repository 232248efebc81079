// bertc._bertc: the C++ library for Python (pybind11). Thin: types and calls of include/bertc,
// numpy in and out, the GIL released while the library works. The Python API users call is in
// python/bertc/ (bertc.InferenceSession, SentenceTransformer, pipeline, CrossEncoder, Tokenizer).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bertc/compile.h"
#include "bertc/error.h"
#include "bertc/pipeline.h"
#include "bertc/session.h"
#include "bertc/tokenizer.h"

namespace py = pybind11;

namespace {

using bertc::DType;

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case DType::kF32: return py::dtype::of<float>();
    case DType::kF64: return py::dtype::of<double>();
    case DType::kI8: return py::dtype::of<int8_t>();
    case DType::kU8: return py::dtype::of<uint8_t>();
    case DType::kI32: return py::dtype::of<int32_t>();
    case DType::kI64: return py::dtype::of<int64_t>();
    case DType::kBool: return py::dtype::of<bool>();
  }
  throw bertc::Error("unknown dtype");
}

std::optional<DType> bertc_dtype(const py::dtype& d) {
  for (DType t : {DType::kF32, DType::kF64, DType::kI8, DType::kU8, DType::kI32, DType::kI64, DType::kBool}) {
    if (d.equal(numpy_dtype(t))) return t;
  }
  return std::nullopt;
}

// A numpy array's copy of `t`.
py::array to_numpy(const bertc::Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  py::array out(numpy_dtype(t.dtype()), shape);
  if (t.nbytes()) std::memcpy(out.mutable_data(), t.raw(), t.nbytes());
  return out;
}

// Runs `session` on numpy feeds. C-contiguous arrays of a dtype bertc takes are read in place
// (the arrays live in this frame for the whole run); others are copied once to that layout.
// An int32 array given for an int64 input is widened (one copy), as ids often come as int32.
std::vector<py::array> run_session(bertc::Session& session, const py::dict& feeds) {
  std::map<std::string, DType> expected;
  for (const bertc::InputInfo& in : session.inputs()) expected[in.name] = in.dtype;
  std::vector<py::array> keep;
  std::map<std::string, bertc::Tensor> inputs;
  for (const auto& [key, value] : feeds) {
    const std::string name = py::cast<std::string>(key);
    py::array a = py::array::ensure(value);
    if (!a) throw bertc::Error("input '" + name + "': expected a numpy array");
    const auto want = expected.find(name);
    if (want != expected.end() && want->second == DType::kI64 && a.dtype().equal(py::dtype::of<int32_t>())) {
      a = a.attr("astype")(py::dtype::of<int64_t>());
    }
    const std::optional<DType> dt = bertc_dtype(a.dtype());
    if (!dt) throw bertc::Error("input '" + name + "': dtype " + py::cast<std::string>(py::str(a.dtype())) + " is not supported");
    a = py::array::ensure(a, py::array::c_style);  // no copy when already C-contiguous
    bertc::Dims dims(a.shape(), a.shape() + a.ndim());
    inputs.emplace(name, bertc::Tensor::view(*dt, dims, const_cast<void*>(a.data())));
    keep.push_back(std::move(a));
  }
  std::vector<bertc::Tensor> outputs;
  {
    py::gil_scoped_release release;
    outputs = session.run(inputs);
  }
  std::vector<py::array> result;
  for (const bertc::Tensor& t : outputs) result.push_back(to_numpy(t));
  return result;
}

std::vector<bertc::EncodeInput> encode_inputs(const std::vector<std::string>& texts,
                                              const std::vector<std::optional<std::string>>& pairs) {
  if (!pairs.empty() && pairs.size() != texts.size()) {
    throw bertc::Error("text_pair: " + std::to_string(pairs.size()) + " pairs for " + std::to_string(texts.size()) + " texts");
  }
  std::vector<bertc::EncodeInput> inputs;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::optional<std::string_view> pair;
    if (!pairs.empty() && pairs[i]) pair = *pairs[i];
    inputs.emplace_back(std::string_view(texts[i]), pair);
  }
  return inputs;
}

py::array_t<float> matrix(const std::vector<std::vector<float>>& rows, std::size_t width) {
  py::array_t<float> out({static_cast<py::ssize_t>(rows.size()), static_cast<py::ssize_t>(width)});
  float* p = out.mutable_data();
  for (const auto& r : rows) {
    if (r.size() != width) throw bertc::Error("rows of different widths");
    std::copy(r.begin(), r.end(), p);
    p += width;
  }
  return out;
}

}  // namespace

PYBIND11_MODULE(_bertc, m) {
  m.doc() = "bertc's C++ library (see the bertc package for the API)";
  py::register_exception<bertc::Error>(m, "Error", PyExc_ValueError);

  py::class_<bertc::Model>(m, "Model", "A compiled model: save() it, or open an InferenceSession on it.")
      .def("save", [](const bertc::Model& model, const std::string& path) {
        py::gil_scoped_release release;
        bertc::save(model, path);
      }, py::arg("path"), "Writes a self-contained bundle (.bertc).")
      .def_property_readonly("num_nodes", &bertc::Model::num_nodes);

  m.def("compile", [](const std::string& path, int opt_level, bool fast_math, const std::string& precision) {
    py::gil_scoped_release release;
    return bertc::compile(path, bertc::CompileOptions{.opt_level = opt_level, .fast_math = fast_math,
                                                      .precision = precision});
  }, py::arg("model_path"), py::arg("opt_level") = 3, py::arg("fast_math") = true, py::arg("precision") = "fp32",
     "Compiles an ONNX model or a Hugging Face folder into a Model (precision: fp32, int8, or bf16 on CPUs with avx512_bf16).");
  m.def("load", [](const std::string& path) {
    py::gil_scoped_release release;
    return bertc::load_or_compile(path);
  }, py::arg("path"), "Loads a .bertc bundle, or compiles an .onnx file or a model folder.");

  py::class_<bertc::Session>(m, "Session", "A model ready to run on tensors (bertc::Session).")
      .def(py::init([](const std::string& path, int threads) {
        py::gil_scoped_release release;
        return bertc::Session(bertc::load_or_compile(path), bertc::SessionOptions{threads});
      }), py::arg("path"), py::arg("threads") = 0)
      .def("inputs", [](const bertc::Session& s) {
        std::vector<py::tuple> out;
        for (const bertc::InputInfo& in : s.inputs()) out.push_back(py::make_tuple(in.name, bertc::dtype_name(in.dtype), in.dims));
        return out;
      }, "The inputs as (name, dtype name, dims) tuples; dims are numbers or names (\"batch\").")
      .def("output_names", &bertc::Session::output_names, "The outputs' names, in run()'s order.")
      .def("run", &run_session, py::arg("feeds"),
           "Runs on a dict of numpy arrays; returns the outputs as numpy arrays.");

  py::class_<bertc::Tokenizer>(m, "Tokenizer", "A model's tokenizer (bertc::Tokenizer).")
      .def_static("from_file", [](const std::string& path) { return bertc::Tokenizer::from_file(path); }, py::arg("path"),
                  "Reads tokenizer.json, vocab.txt, vocab.json + merges.txt or a model folder.")
      .def("encode_batch", [](const bertc::Tokenizer& tok, const std::vector<std::string>& texts,
                              const std::vector<std::optional<std::string>>& pairs, bool add_special_tokens,
                              std::optional<std::size_t> max_length) {
        bertc::TokenizerOptions o;
        o.add_special_tokens = add_special_tokens;
        o.return_tokens = false;
        o.return_offsets = true;  // for the special-tokens mask
        if (max_length) o.truncation = bertc::TruncationOptions{.max_length = *max_length};
        std::vector<bertc::Encoding> enc;
        {
          py::gil_scoped_release release;
          enc = tok.encode_batch(encode_inputs(texts, pairs), o);
        }
        std::vector<py::tuple> out;
        for (const bertc::Encoding& e : enc) {
          out.push_back(py::make_tuple(e.ids, e.type_ids, e.special_tokens_mask, e.offsets, e.sequence_ids));
        }
        return out;
      }, py::arg("texts"), py::arg("pairs"), py::arg("add_special_tokens") = true, py::arg("max_length") = py::none(),
         "Per text: (ids, type_ids, special_tokens_mask, byte offsets, sequence_ids (-1: none)), unpadded; "
         "truncated to max_length if given.")
      .def("decode", [](const bertc::Tokenizer& t, const std::vector<int64_t>& ids, bool skip_special_tokens) {
        return t.decode(ids, skip_special_tokens);
      }, py::arg("ids"), py::arg("skip_special_tokens") = false,
         "The text of ids, as Hugging Face's tokenizers decode; bertc.Error for an id out of range.")
      .def("id_to_token", [](const bertc::Tokenizer& t, int64_t id) { return std::string(t.id_to_token(id)); },
           py::arg("id"), "The token of an id; bertc.Error if out of range.")
      .def("token_to_id", &bertc::Tokenizer::token_to_id, py::arg("token"), "The id of a token, or None.")
      .def_property_readonly("vocab_size", &bertc::Tokenizer::vocab_size)
      .def_property_readonly("pad_id", &bertc::Tokenizer::pad_id)
      .def_property_readonly("model_max_length", &bertc::Tokenizer::model_max_length);

  py::class_<bertc::Pipeline>(m, "Pipeline", "Text in, embeddings or class scores out (bertc::Pipeline).")
      .def(py::init([](const std::string& path, std::size_t max_batch_tokens, int threads) {
        bertc::PipelineOptions o;
        o.max_batch_tokens = max_batch_tokens;
        o.session.num_threads = threads;
        py::gil_scoped_release release;
        return bertc::Pipeline::load(path, std::move(o));
      }), py::arg("path"), py::arg("max_batch_tokens") = 4096, py::arg("threads") = 0)
      .def_property_readonly("task", [](const bertc::Pipeline& p) {
        switch (p.task()) {
          case bertc::Task::classification: return "classification";
          case bertc::Task::token_classification: return "token_classification";
          case bertc::Task::embedding: break;
        }
        return "embedding";
      })
      .def_property_readonly("labels", &bertc::Pipeline::labels)
      .def_property_readonly("pooling", &bertc::Pipeline::pooling)
      .def_property_readonly("normalizes", &bertc::Pipeline::normalizes)
      .def_property_readonly("max_length", &bertc::Pipeline::max_length)
      .def("embed", [](bertc::Pipeline& p, const std::vector<std::string>& texts, std::optional<bool> normalize,
                       std::optional<std::string> prompt_name) {
        std::vector<std::vector<float>> rows;
        {
          py::gil_scoped_release release;
          rows = p.embed(encode_inputs(texts, {}), prompt_name, normalize);
        }
        return matrix(rows, rows.empty() ? 0 : rows.front().size());
      }, py::arg("texts"), py::arg("normalize") = py::none(), py::arg("prompt_name") = py::none(),
         "Sentence embeddings [len(texts), dim] float32; normalize None follows the model; "
         "prompt_name None: the default prompt, \"\": none.")
      .def_property_readonly("prompts", &bertc::Pipeline::prompts)
      .def_property_readonly("default_prompt_name", &bertc::Pipeline::default_prompt_name)
      .def_property_readonly("include_prompt", &bertc::Pipeline::include_prompt)
      .def("token_embeddings", [](bertc::Pipeline& p, const std::vector<std::string>& texts,
                                  std::optional<std::string> prompt_name) {
        std::vector<bertc::Tensor> states;
        {
          py::gil_scoped_release release;
          states = p.token_embeddings(p.encode(encode_inputs(texts, {}), true, prompt_name));
        }
        std::vector<py::array> out;
        for (const bertc::Tensor& t : states) out.push_back(to_numpy(t));
        return out;
      }, py::arg("texts"), py::arg("prompt_name") = py::none(),
         "Per text, its last hidden state [tokens, hidden] float32 (prompt_name as embed's).")
      .def("rerank", [](bertc::Pipeline& p, const std::string& query, const std::vector<std::string>& docs,
                        std::size_t top_k) {
        std::vector<bertc::Ranked> ranked;
        {
          py::gil_scoped_release release;
          ranked = p.rerank(query, docs, top_k);
        }
        std::vector<std::pair<std::size_t, float>> out;
        for (const bertc::Ranked& r : ranked) out.emplace_back(r.index, r.score);
        return out;
      }, py::arg("query"), py::arg("documents"), py::arg("top_k") = 0,
         "(index, score) of each document, best first: a one-label cross-encoder's sigmoid.")
      .def("token_classify", [](bertc::Pipeline& p, const std::vector<std::string>& texts, const std::string& aggregation) {
        const bertc::Aggregation a = bertc::aggregation_from_name(aggregation);
        std::vector<std::vector<bertc::Entity>> results;
        {
          py::gil_scoped_release release;
          results = p.token_classify(texts, a);
        }
        py::list out;
        for (const auto& entities : results) {
          py::list list;
          for (const bertc::Entity& e : entities) {
            py::dict d;
            d[e.index ? "entity" : "entity_group"] = e.label;
            d["score"] = e.score;
            if (e.index) d["index"] = *e.index;
            d["word"] = e.word;
            d["start"] = e.start;
            d["end"] = e.end;
            list.append(std::move(d));
          }
          out.append(std::move(list));
        }
        return out;
      }, py::arg("texts"), py::arg("aggregation") = "none",
         "Per text, its entities as transformers' token-classification pipeline gives them.")
      .def("classify", [](bertc::Pipeline& p, const std::vector<std::string>& texts,
                          const std::vector<std::optional<std::string>>& pairs) {
        std::vector<bertc::Classification> out;
        {
          py::gil_scoped_release release;
          out = p.classify(p.encode(encode_inputs(texts, pairs)));
        }
        std::vector<std::vector<float>> logits, probs;
        for (auto& c : out) {
          logits.push_back(std::move(c.logits));
          probs.push_back(std::move(c.probabilities));
        }
        const std::size_t n = p.labels().size();
        return py::make_tuple(matrix(logits, n), matrix(probs, n));
      }, py::arg("texts"), py::arg("pairs") = std::vector<std::optional<std::string>>{},
         "(logits, probabilities), each [len(texts), labels] float32 in label-id order.");
}
