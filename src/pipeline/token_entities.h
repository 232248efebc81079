// transformers' token-classification post-processing (pipelines/token_classification.py,
// TokenClassificationPipeline.postprocess), for Pipeline::token_classify: the per-token
// predictions of one text (special tokens already dropped) through an aggregation strategy, then
// the entities whose label is in `ignore_labels` dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bertc/pipeline.h"

namespace bertc::pipeline {

// One non-special token of a text, before aggregation.
struct TokenPrediction {
  std::string word;           // the token ("##ing", "Ġthe"), or the text it covers for the unknown token
  std::vector<float> scores;  // softmax over the labels, in label-id order
  std::size_t index = 0;      // its position in the encoding ([CLS] is 0)
  std::size_t start = 0;      // character offsets of the token in the text
  std::size_t end = 0;
  bool is_subword = false;    // continues the previous token's word
};

// The text of several tokens or words: the tokenizer's convert_tokens_to_string (its decoder).
using TokensToString = std::function<std::string(const std::vector<std::string>&)>;

// none: one entity per token (label, score, index); simple: adjacent tokens of one tag grouped
// (B- starts a group; the score is the mean); first / average / max: each word's tokens first
// take one label (the first token's, the mean scores' argmax, or the most confident token's),
// then words are grouped as in simple.
std::vector<Entity> aggregate_entities(const std::vector<TokenPrediction>& tokens,
                                       const std::vector<std::string>& labels,
                                       Aggregation strategy,
                                       const std::vector<std::string>& ignore_labels,
                                       const TokensToString& to_string);

// The number of characters (code points) in valid UTF-8 `text`.
std::size_t utf8_length(std::string_view text);

}  // namespace bertc::pipeline
