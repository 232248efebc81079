// transformers' token-classification aggregation (pipeline/token_entities.h) on hand-made
// predictions whose expected entities follow TokenClassificationPipeline's rules step by step:
// none keeps tokens, simple groups B-/I- runs, first / average / max first make each word agree,
// "O" is dropped, B- always starts a group, labels without B-/I- continue one.
#include "pipeline/token_entities.h"

#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer/components.h"
#include "tokenizer/decoder.h"

namespace bertc::pipeline {
namespace {

// A fast tokenizer's convert_tokens_to_string: its decoder (here BERT's, or RoBERTa's).
std::string decoded(const tokenizer::Decoder& d, std::vector<std::string> tokens) {
  d.decode_chain(tokens);
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}
std::string wordpiece(const std::vector<std::string>& tokens) {
  static const auto decoder = tokenizer::make_wordpiece_decoder("##", true);
  return decoded(*decoder, tokens);
}
std::string byte_level(const std::vector<std::string>& tokens) {
  static const auto decoder = tokenizer::make_byte_level_decoder();
  return decoded(*decoder, tokens);
}

const std::vector<std::string> kLabels = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};

TokenPrediction token(std::string word, std::vector<float> scores, std::size_t index, std::size_t start,
                      std::size_t end, bool subword) {
  return {std::move(word), std::move(scores), index, start, end, subword};
}

// "johnny lives in new york": j|##ohnny, then O O, then B-LOC I-LOC.
std::vector<TokenPrediction> sentence() {
  return {token("john", {0.05f, 0.9f, 0.03f, 0.01f, 0.01f}, 1, 0, 4, false),
          token("##ny", {0.02f, 0.01f, 0.95f, 0.01f, 0.01f}, 2, 4, 6, true),
          token("lives", {0.95f, 0.01f, 0.02f, 0.01f, 0.01f}, 3, 7, 12, false),
          token("in", {0.9f, 0.02f, 0.04f, 0.02f, 0.02f}, 4, 13, 15, false),
          token("new", {0.1f, 0.05f, 0.05f, 0.7f, 0.1f}, 5, 16, 19, false),
          token("york", {0.2f, 0.05f, 0.05f, 0.1f, 0.6f}, 6, 20, 24, false)};
}

void expect_entity(const Entity& e, const std::string& label, float score, const std::string& word,
                   std::size_t start, std::size_t end) {
  EXPECT_EQ(e.label, label);
  EXPECT_NEAR(e.score, score, 1e-6);
  EXPECT_EQ(e.word, word);
  EXPECT_EQ(e.start, start);
  EXPECT_EQ(e.end, end);
}

TEST(TokenEntities, NoneKeepsEveryTokenButO) {
  const auto e = aggregate_entities(sentence(), kLabels, Aggregation::none, {"O"}, wordpiece);
  ASSERT_EQ(e.size(), 4u);
  expect_entity(e[0], "B-PER", 0.9f, "john", 0, 4);
  EXPECT_EQ(e[0].index, 1u);
  expect_entity(e[1], "I-PER", 0.95f, "##ny", 4, 6);
  EXPECT_EQ(e[1].index, 2u);
  expect_entity(e[2], "B-LOC", 0.7f, "new", 16, 19);
  expect_entity(e[3], "I-LOC", 0.6f, "york", 20, 24);
  EXPECT_EQ(aggregate_entities(sentence(), kLabels, Aggregation::none, {}, wordpiece).size(), 6u);
}

TEST(TokenEntities, SimpleGroupsRunsOfATag) {
  const auto e = aggregate_entities(sentence(), kLabels, Aggregation::simple, {"O"}, wordpiece);
  ASSERT_EQ(e.size(), 2u);
  expect_entity(e[0], "PER", (0.9f + 0.95f) / 2, "johnny", 0, 6);
  EXPECT_FALSE(e[0].index);
  expect_entity(e[1], "LOC", (0.7f + 0.6f) / 2, "new york", 16, 24);
  // With "O" kept, "lives in" is one O group (O continues O).
  const auto all = aggregate_entities(sentence(), kLabels, Aggregation::simple, {}, wordpiece);
  ASSERT_EQ(all.size(), 3u);
  expect_entity(all[1], "O", (0.95f + 0.9f) / 2, "lives in", 7, 15);
}

TEST(TokenEntities, WordStrategiesAgreeOnEachWordFirst) {
  // first: johnny takes john's B-PER 0.9; max: ##ny's I-PER 0.95 is the most confident;
  // average: mean scores [.035 .455 .49 .01 .01] -> I-PER 0.49.
  const auto first = aggregate_entities(sentence(), kLabels, Aggregation::first, {"O"}, wordpiece);
  ASSERT_EQ(first.size(), 2u);
  expect_entity(first[0], "PER", 0.9f, "johnny", 0, 6);
  expect_entity(first[1], "LOC", 0.65f, "new york", 16, 24);
  const auto max = aggregate_entities(sentence(), kLabels, Aggregation::max, {"O"}, wordpiece);
  expect_entity(max[0], "PER", 0.95f, "johnny", 0, 6);
  const auto average = aggregate_entities(sentence(), kLabels, Aggregation::average, {"O"}, wordpiece);
  expect_entity(average[0], "PER", 0.49f, "johnny", 0, 6);
}

TEST(TokenEntities, BStartsANewGroupAndPlainLabelsContinue) {
  const std::vector<std::string> labels = {"O", "B-PER", "PER"};
  const std::vector<TokenPrediction> tokens = {token("ann", {0, 1, 0}, 1, 0, 3, false),
                                               token("bob", {0, 1, 0}, 2, 4, 7, false),
                                               token("cy", {0, 0, 1}, 3, 8, 10, false),
                                               token("dee", {0, 0, 1}, 4, 11, 14, false)};
  const auto e = aggregate_entities(tokens, labels, Aggregation::simple, {"O"}, wordpiece);
  ASSERT_EQ(e.size(), 2u);  // ann | bob cy dee: B- splits, PER continues B-PER's tag
  expect_entity(e[0], "PER", 1, "ann", 0, 3);
  expect_entity(e[1], "PER", 1, "bob cy dee", 4, 14);
}

TEST(TokenEntities, WordsAreTheTokenizersDecodingOfTheirTokens) {
  // RoBERTa: " New York" keeps the space its first token stands for, as transformers gives it.
  const std::vector<TokenPrediction> tokens = {
      token("\xC4\xA0New", {0.1f, 0.05f, 0.05f, 0.7f, 0.1f}, 1, 0, 3, false),
      token("\xC4\xA0York", {0.2f, 0.05f, 0.05f, 0.1f, 0.6f}, 2, 4, 8, false)};
  const auto e = aggregate_entities(tokens, kLabels, Aggregation::simple, {"O"}, byte_level);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].word, " New York");
  EXPECT_EQ(wordpiece({"U", ".", "S", "."}), "U. S.");  // the clean-up joins " ." only
}

TEST(TokenEntities, CharacterCounts) {
  EXPECT_EQ(utf8_length("café"), 4u);
  EXPECT_EQ(utf8_length("日本"), 2u);
}

}  // namespace
}  // namespace bertc::pipeline
