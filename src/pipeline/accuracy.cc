// compare_on_texts: two models run on the same texts through Pipeline (the path users take),
// their embeddings or class probabilities compared (bertc/accuracy.h).
#include "bertc/accuracy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "bertc/compile.h"
#include "bertc/error.h"
#include "bertc/files.h"
#include "bertc/pipeline.h"
#include "bertc/session.h"
#include "ir/graph.h"

namespace bertc {
namespace {

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += double{a[i]} * b[i], aa += double{a[i]} * a[i], bb += double{b[i]} * b[i];
  if (aa == 0 && bb == 0) return 1.0;
  return aa == 0 || bb == 0 ? 0.0 : dot / std::sqrt(aa * bb);
}

size_t argmax(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, x);
  return buf;
}

}  // namespace

std::string AccuracyReport::to_text() const {
  std::ostringstream out;
  out << "accuracy against the reference on " << texts << " texts (" << kind << "):\n";
  if (kind == "embedding") {
    out << "  cosine similarity: mean " << fixed(cosine_mean, 6) << ", min " << fixed(cosine_min, 6)
        << ", 1st percentile " << fixed(cosine_p1, 6) << "\n";
  } else {
    out << "  label agreement " << fixed(100 * label_agreement, 2) << "%, max |delta probability| "
        << fixed(max_probability_diff, 6) << "\n";
  }
  out << "  drop " << fixed(drop, 6);
  if (max_drop > 0) out << " (limit " << fixed(max_drop, 6) << ": " << (passed() ? "passed" : "FAILED") << ")";
  out << "\n  Dense layers: ";
  if (int8_layers || !bf16_layers) {
    out << int8_layers << " int8 (" << smoothed_layers.size() << " with outlier channels smoothed), ";
  }
  if (bf16_layers) out << bf16_layers << " bf16, ";
  out << fp32_layers.size() << " fp32";
  for (size_t i = 0; i < fp32_layers.size(); ++i) out << (i ? ", " : ": ") << fp32_layers[i];
  out << "\n";
  return out.str();
}

AccuracyReport compare_on_texts(const Model& reference, const Model& candidate,
                                const std::vector<std::string>& texts, int threads) {
  if (texts.empty()) throw Error("accuracy: no texts to compare on");
  PipelineOptions options;
  options.session.num_threads = threads;
  Pipeline ref(reference, "the reference model", options);
  Pipeline cand(candidate, "the candidate model", options);
  if (ref.task() != cand.task()) throw Error("accuracy: the two models do not have the same task");
  AccuracyReport r;
  r.texts = static_cast<int64_t>(texts.size());
  for (const auto& [name, precision] : candidate.dense_layers()) {
    if (precision == "fp32") r.fp32_layers.push_back(name);
    if (precision.starts_with("int8")) ++r.int8_layers;
    if (precision == "bf16") ++r.bf16_layers;
    if (precision == "int8 smoothed") r.smoothed_layers.push_back(name);
  }
  if (ref.task() == Task::embedding) {
    r.kind = "embedding";
    const auto a = ref.embed(texts), b = cand.embed(texts);
    std::vector<double> cos(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      if (a[i].size() != b[i].size()) {
        throw Error("accuracy: the embeddings have different widths (" + std::to_string(a[i].size()) + " and " +
                    std::to_string(b[i].size()) + ")");
      }
      cos[i] = cosine(a[i], b[i]);
    }
    double sum = 0;
    for (double c : cos) sum += c;
    r.cosine_mean = sum / static_cast<double>(cos.size());
    std::sort(cos.begin(), cos.end());
    r.cosine_min = cos.front();
    r.cosine_p1 = cos[static_cast<size_t>(std::floor(0.01 * static_cast<double>(cos.size() - 1)))];
    r.drop = 1.0 - r.cosine_mean;
  } else if (ref.task() == Task::classification) {
    r.kind = "classification";
    if (ref.labels() != cand.labels()) throw Error("accuracy: the two classifiers have different labels");
    const auto a = ref.classify(texts), b = cand.classify(texts);
    int64_t agree = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      agree += argmax(a[i].probabilities) == argmax(b[i].probabilities);
      for (size_t j = 0; j < a[i].probabilities.size(); ++j) {
        r.max_probability_diff = std::max(r.max_probability_diff, double{std::fabs(a[i].probabilities[j] - b[i].probabilities[j])});
      }
    }
    r.label_agreement = static_cast<double>(agree) / static_cast<double>(texts.size());
    r.drop = 1.0 - r.label_agreement;
  } else {
    throw Error("accuracy: token classification models are not compared on texts yet (compare embeddings or classifiers)");
  }
  return r;
}

std::map<std::string, std::vector<float>> measure_dense_inputs(const Model& model,
                                                               const std::vector<std::string>& texts,
                                                               int threads) {
  if (texts.empty()) throw Error("calibration: no texts");
  // The model with every Dense layer's input as an extra output.
  Model tapped = model;
  ir::Graph& g = tapped.graph();
  std::map<std::string, std::vector<std::string>> layers_of;  // input value name -> its Dense layers
  for (const ir::Node& node : g.nodes) {
    if (node.op != ir::Op::Dense) continue;
    const ir::ValueId x = node.inputs[0];
    auto& layers = layers_of[g.value(x).name];
    if (layers.empty() && std::find(g.outputs.begin(), g.outputs.end(), x) == g.outputs.end()) g.outputs.push_back(x);
    layers.push_back(node.name);
  }
  PipelineOptions options;
  options.session.num_threads = threads;
  Pipeline pipeline(std::move(tapped), "the calibration model", options);
  std::map<std::string, std::vector<float>> ranges;
  constexpr size_t kBatch = 16;
  for (size_t i = 0; i < texts.size(); i += kBatch) {
    const std::vector<EncodeInput> inputs(texts.begin() + i, texts.begin() + std::min(texts.size(), i + kBatch));
    const std::vector<Encoding> encodings = pipeline.encode(inputs);
    std::vector<int64_t> ids, lengths, types;
    for (const Encoding& e : encodings) {
      ids.insert(ids.end(), e.ids.begin(), e.ids.end());
      types.insert(types.end(), e.type_ids.begin(), e.type_ids.end());
      lengths.push_back(static_cast<int64_t>(e.ids.size()));
    }
    for (const RaggedOutput& out : pipeline.session().run(RaggedBatch{ids, lengths, types})) {
      const auto it = layers_of.find(out.name);
      if (it == layers_of.end() || out.data.rank() < 1) continue;
      const int64_t k = out.data.shape().back();
      const int64_t rows = k == 0 ? 0 : out.data.numel() / k;
      const float* x = out.data.data<float>();
      for (const std::string& layer : it->second) {
        std::vector<float>& r = ranges[layer];
        r.resize(static_cast<size_t>(k), 0.0f);
        for (int64_t row = 0; row < rows; ++row) {
          for (int64_t c = 0; c < k; ++c) r[c] = std::max(r[c], std::fabs(x[row * k + c]));
        }
      }
    }
  }
  return ranges;
}

std::vector<std::string> read_text_lines(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) throw Error(path + ": no texts (one per line)");
  return lines;
}

}  // namespace bertc
