#include "pipeline/model_settings.h"

#include <algorithm>

#include "bertc/error.h"
#include "ir/graph.h"

namespace bertc::pipeline {

namespace {

// The graph output named `name`, if there is one.
const ir::Value* output_value(const Model& model, const std::string& name) {
  const ir::Graph& g = model.graph();
  for (ir::ValueId v : g.outputs) {
    if (g.value(v).name == name) return &g.value(v);
  }
  return nullptr;
}

// The logits' last dim when it is a fixed number (a classifier's label count), else 0.
std::size_t label_count(const Model& model) {
  const ir::Value* logits = output_value(model, "logits");
  if (!logits || logits->type.shape.empty() || !logits->type.shape.back().is_known()) return 0;
  return static_cast<std::size_t>(logits->type.shape.back().value);
}

}  // namespace

ModelSettings read_model_settings(const Model& model, const std::string& source) {
  const ModelInfo& info = model.info;
  ModelSettings s;
  if (info.task) {
    s.task = *info.task;
  } else {  // an ONNX model: "logits" [batch, labels] or [batch, seq, labels], else an encoder
    const ir::Value* logits = output_value(model, "logits");
    s.task = !logits                               ? Task::embedding
             : logits->type.shape.size() == 3 ? Task::token_classification
                                                   : Task::classification;
  }

  if (s.task != Task::embedding) {
    s.labels = info.labels;
    if (s.labels.empty()) {
      const std::size_t n = label_count(model);
      for (std::size_t i = 0; i < n; ++i) s.labels.push_back("LABEL_" + std::to_string(i));
    }
    const bool multi_label = info.problem_type == "multi_label_classification";
    // transformers' token-classification pipeline always takes the softmax.
    const bool sigmoid = s.task == Task::classification && (multi_label || s.labels.size() == 1);
    s.score = sigmoid ? ScoreFunction::sigmoid : ScoreFunction::softmax;
  } else {
    s.pooling = info.pooling.empty() ? std::vector<std::string>{"cls"} : info.pooling;
    s.dense = info.dense;  // views of the bundle's weights
    s.normalize = info.normalize;
    s.embedding_error = info.embedding_error;
    s.prompts = info.prompts;
    s.default_prompt_name = info.default_prompt_name;
    s.include_prompt = info.include_prompt;
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
