#include "pipeline/model_settings.h"

#include <algorithm>

#include "bertc/error.h"
#include "ir/graph.h"

namespace bertc::pipeline {

namespace {

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
  const ModelInfo& info = model.info;
  ModelSettings s;
  if (info.task) {
    s.task = *info.task;
  } else {
    bool has_logits = false;
    for (ir::ValueId v : model.graph().outputs)
      has_logits |= model.graph().value(v).name == "logits";
    s.task = has_logits ? Task::classification : Task::embedding;
  }

  if (s.task == Task::classification) {
    s.labels = info.labels;
    if (s.labels.empty()) {
      const std::size_t n = fixed_width(model, "logits");
      for (std::size_t i = 0; i < n; ++i) s.labels.push_back("LABEL_" + std::to_string(i));
    }
    const bool multi_label = info.problem_type == "multi_label_classification";
    s.score = multi_label || s.labels.size() == 1 ? ScoreFunction::sigmoid : ScoreFunction::softmax;
  } else {
    s.pooling = info.pooling.empty() ? std::vector<std::string>{"cls"} : info.pooling;
    s.normalize = info.normalize;
    s.embedding_error = info.embedding_error;
  }

  for (const int64_t n : {info.max_positions, info.max_length}) {
    if (n <= 0) continue;
    const auto len = static_cast<std::size_t>(n);
    s.max_length = s.max_length ? std::min(s.max_length, len) : len;
  }

  if (!info.tokenizer_error.empty()) {
    s.tokenizer_error = info.tokenizer_error;
  } else if (!info.tokenizer_files.empty()) {
    try {  // a tokenizer bertc cannot run is an error when text is given, not at load
      s.tokenizer = Tokenizer::from_files(info.tokenizer_files, source);
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
