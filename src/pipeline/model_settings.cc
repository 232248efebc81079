#include "pipeline/model_settings.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/json_text.h"
#include "bertc/error.h"
#include "ir/graph.h"

namespace bertc::pipeline {

namespace {

using json = nlohmann::json;

const std::string* find(const std::map<std::string, std::string>& md, const std::string& key) {
  auto it = md.find(key);
  return it == md.end() ? nullptr : &it->second;
}

std::vector<std::string> string_list(const std::string& text, const std::string& what) {
  try {
    return base::parse_json(text, what).get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    throw Error(what + ": expected a JSON list of strings: " + e.what());
  }
}

std::size_t positive(const std::string& text, const std::string& what) {
  try {
    const long long v = std::stoll(text);
    if (v > 0) return static_cast<std::size_t>(v);
  } catch (const std::exception&) {
  }
  throw Error(what + ": expected a positive integer, got '" + text + "'");
}

// The output's dim 1 when it is a fixed number (a classifier's label count), else 0.
std::size_t fixed_width(const Model& model, const std::string& output) {
  const ir::Graph& g = model.graph();
  for (ir::ValueId v : g.outputs) {
    const ir::Value& value = g.value(v);
    if (value.name == output && value.type.shape.size() == 2 && value.type.shape[1].is_known()) {
      return static_cast<std::size_t>(value.type.shape[1].value);
    }
  }
  return 0;
}

}  // namespace

ModelSettings read_model_settings(const Model& model, const std::string& source) {
  const auto& md = model.metadata;
  auto where = [&](const std::string& key) { return source + ": metadata '" + key + "'"; };
  ModelSettings s;
  if (const std::string* task = find(md, "task")) {
    if (*task != "classification" && *task != "embedding") {
      throw Error(where("task") + " is '" + *task + "' (classification or embedding)");
    }
    s.task = *task == "classification" ? Task::classification : Task::embedding;
  } else {
    bool has_logits = false;
    for (ir::ValueId v : model.graph().outputs)
      has_logits |= model.graph().value(v).name == "logits";
    s.task = has_logits ? Task::classification : Task::embedding;
  }

  if (s.task == Task::classification) {
    if (const std::string* labels = find(md, "labels")) {
      s.labels = string_list(*labels, where("labels"));
    } else {
      const std::size_t n = fixed_width(model, "logits");
      for (std::size_t i = 0; i < n; ++i) s.labels.push_back("LABEL_" + std::to_string(i));
    }
    const std::string* problem = find(md, "problem_type");
    const bool multi_label = problem && *problem == "multi_label_classification";
    s.score = multi_label || s.labels.size() == 1 ? ScoreFunction::sigmoid : ScoreFunction::softmax;
  } else {
    s.pooling = {"cls"};
    if (const std::string* pooling = find(md, "pooling")) {
      s.pooling = string_list(*pooling, where("pooling"));
    }
    s.normalize = find(md, "normalize") && *find(md, "normalize") == "true";
    if (const std::string* e = find(md, "embedding.error")) s.embedding_error = *e;
  }

  for (const char* key : {"max_positions", "max_length"}) {
    if (const std::string* v = find(md, key)) {
      const std::size_t n = positive(*v, where(key));
      s.max_length = s.max_length ? std::min(s.max_length, n) : n;
    }
  }

  if (const std::string* e = find(md, "tokenizer.error")) {
    s.tokenizer_error = *e;
  } else if (find(md, "tokenizer.json") || find(md, "vocab.txt")) {
    try {  // a tokenizer bertc cannot run is an error when text is given, not at load
      s.tokenizer = Tokenizer::from_files(md, source);
    } catch (const Error& e) {
      s.tokenizer_error = e.what();
    }
    if (auto n = s.tokenizer ? s.tokenizer->model_max_length() : std::nullopt) {
      s.max_length = s.max_length ? std::min(s.max_length, *n) : *n;
    }
  } else {
    s.tokenizer_error =
        source +
        ": has no tokenizer (compile a Hugging Face model folder with tokenizer.json "
        "or vocab.txt to embed one); give the model token ids with --input "
        "NAME=FILE.npy instead";
  }
  return s;
}

}  // namespace bertc::pipeline
