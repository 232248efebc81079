// What a Pipeline needs to know about its model, read once from Model::info and the model's
// outputs.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bertc/pipeline.h"

namespace bertc::pipeline {

enum class ScoreFunction { softmax, sigmoid };

struct ModelSettings {
  Task task = Task::embedding;
  std::vector<std::string> labels;  // classifiers, id order
  ScoreFunction score = ScoreFunction::softmax;
  std::vector<std::string> pooling;  // encoders: cls | max | mean | mean_sqrt_len
  std::vector<DenseModule> dense;    // encoders: projections after the pooling
  bool normalize = false;
  std::size_t max_length = 0;  // 0: unknown
  std::optional<Tokenizer> tokenizer;
  std::string tokenizer_error;  // why `tokenizer` is empty
  std::string embedding_error;  // a sentence-transformers module bertc does not run
  std::map<std::string, std::string> prompts;  // encoders: name -> text put before each input
  std::string default_prompt_name;             // may be empty
  bool include_prompt = true;                  // false: the prompt's tokens are not pooled
};

// A tokenizer that fails to load is recorded as tokenizer_error, its message naming `source`
// (the bundle or folder).
ModelSettings read_model_settings(const Model& model, const std::string& source);

}  // namespace bertc::pipeline
