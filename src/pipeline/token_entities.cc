// See token_entities.h; the steps and names follow transformers' TokenClassificationPipeline.
#include "pipeline/token_entities.h"

#include <algorithm>
#include <numeric>

namespace bertc::pipeline {

namespace {

std::size_t argmax(const std::vector<float>& v) {  // the first of equal maxima, as numpy's
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

// B-PER -> (B, PER), I-PER -> (I, PER), anything else -> (I, itself).
std::pair<char, std::string> bio_tag(const std::string& label) {
  if (label.starts_with("B-")) return {'B', label.substr(2)};
  if (label.starts_with("I-")) return {'I', label.substr(2)};
  return {'I', label};
}

// Several tokens (or words) of one group: the tag after the last '-' of the first one's label,
// the mean score, their words joined.
Entity group_of(const std::vector<Entity>& members, const TokensToString& to_string) {
  Entity e;
  const std::string& first = members.front().label;
  const std::size_t dash = first.rfind('-');
  e.label = dash == std::string::npos ? first : first.substr(dash + 1);
  double sum = 0;
  std::vector<std::string> words;
  for (const Entity& m : members) {
    sum += m.score;
    words.push_back(m.word);
  }
  e.score = static_cast<float>(sum / static_cast<double>(members.size()));
  e.word = to_string(words);
  e.start = members.front().start;
  e.end = members.back().end;
  return e;
}

std::vector<Entity> group_entities(const std::vector<Entity>& entities, const TokensToString& to_string) {
  std::vector<Entity> groups, pending;
  for (const Entity& e : entities) {
    if (!pending.empty()) {
      const auto [bi, tag] = bio_tag(e.label);
      if (tag != bio_tag(pending.back().label).second || bi == 'B') {
        groups.push_back(group_of(pending, to_string));
        pending.clear();
      }
    }
    pending.push_back(e);
  }
  if (!pending.empty()) groups.push_back(group_of(pending, to_string));
  return groups;
}

// One word's tokens as one entity, labelled by `strategy` (first, average or max).
Entity word_of(const std::vector<const TokenPrediction*>& word, const std::vector<std::string>& labels,
               Aggregation strategy, const TokensToString& to_string) {
  std::vector<std::string> pieces;
  for (const TokenPrediction* t : word) pieces.push_back(t->word);
  std::vector<float> scores;
  if (strategy == Aggregation::first) {
    scores = word.front()->scores;
  } else if (strategy == Aggregation::max) {
    const TokenPrediction* best = word.front();
    for (const TokenPrediction* t : word) {
      if (*std::max_element(t->scores.begin(), t->scores.end()) >
          *std::max_element(best->scores.begin(), best->scores.end())) {
        best = t;
      }
    }
    scores = best->scores;
  } else {  // average
    scores.assign(labels.size(), 0.0f);
    for (const TokenPrediction* t : word) {
      for (std::size_t k = 0; k < scores.size(); ++k) scores[k] += t->scores[k];
    }
    for (float& s : scores) s /= static_cast<float>(word.size());
  }
  const std::size_t k = argmax(scores);
  Entity e;
  e.label = labels[k];
  e.score = scores[k];
  e.word = to_string(pieces);
  e.start = word.front()->start;
  e.end = word.back()->end;
  return e;
}

}  // namespace

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<Entity> aggregate_entities(const std::vector<TokenPrediction>& tokens,
                                       const std::vector<std::string>& labels,
                                       Aggregation strategy,
                                       const std::vector<std::string>& ignore_labels,
                                       const TokensToString& to_string) {
  std::vector<Entity> entities;
  if (strategy == Aggregation::none || strategy == Aggregation::simple) {
    for (const TokenPrediction& t : tokens) {
      const std::size_t k = argmax(t.scores);
      Entity e;
      e.label = labels[k];
      e.score = t.scores[k];
      e.word = t.word;
      e.start = t.start;
      e.end = t.end;
      if (strategy == Aggregation::none) e.index = t.index;
      entities.push_back(std::move(e));
    }
  } else {
    std::vector<const TokenPrediction*> word;
    for (const TokenPrediction& t : tokens) {
      if (!word.empty() && !t.is_subword) {
        entities.push_back(word_of(word, labels, strategy, to_string));
        word.clear();
      }
      word.push_back(&t);
    }
    if (!word.empty()) entities.push_back(word_of(word, labels, strategy, to_string));
  }
  if (strategy != Aggregation::none) entities = group_entities(entities, to_string);
  std::erase_if(entities, [&](const Entity& e) {
    return std::find(ignore_labels.begin(), ignore_labels.end(), e.label) != ignore_labels.end();
  });
  return entities;
}

}  // namespace bertc::pipeline
