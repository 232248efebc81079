#include "run_text.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "bertc/error.h"
#include "bertc/files.h"

namespace bertc::cli {

namespace {

using ordered_json = nlohmann::ordered_json;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

// "text" or "text" / "pair", as JSON strings (quoted and escaped).
std::string title(const EncodeInput& in) {
  std::string s = dump(ordered_json(std::string(in.text)));
  if (in.pair) s += " / " + dump(ordered_json(std::string(*in.pair)));
  return s;
}

ordered_json text_fields(const EncodeInput& in) {
  ordered_json j = {{"text", std::string(in.text)}};
  if (in.pair) j["text_pair"] = std::string(*in.pair);
  return j;
}

void print_classifications(const Pipeline& p, std::span<const EncodeInput> inputs,
                           const std::vector<Classification>& results, bool json) {
  const std::vector<std::string>& labels = p.labels();
  std::size_t width = 5;
  for (const std::string& l : labels) width = std::max(width, l.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Classification& c = results[i];
    if (json) {
      ordered_json j = text_fields(inputs[i]);
      j["logits"] = c.logits;
      j["probabilities"] = c.probabilities;
      j["labels"] = labels;
      std::printf("%s\n", dump(j).c_str());
      continue;
    }
    std::printf("%s\n", title(inputs[i]).c_str());
    std::vector<std::size_t> order(labels.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return c.probabilities[a] > c.probabilities[b];
    });
    for (std::size_t k : order) {
      std::printf("  %-*s  %.4f  (logit %+.4f)\n", static_cast<int>(width), labels[k].c_str(),
                  c.probabilities[k], c.logits[k]);
    }
  }
}

void print_embeddings(const Pipeline& p, std::span<const EncodeInput> inputs,
                      const std::vector<std::vector<float>>& results, bool json) {
  std::string how;
  for (const std::string& m : p.pooling()) how += (how.empty() ? "" : " + ") + m;
  how += " pooling";
  if (p.normalizes()) how += ", L2-normalized";
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (json) {
      ordered_json j = text_fields(inputs[i]);
      j["embedding"] = results[i];
      std::printf("%s\n", dump(j).c_str());
      continue;
    }
    std::printf("%s: %zu dims, %s\n ", title(inputs[i]).c_str(), results[i].size(), how.c_str());
    for (float v : results[i]) std::printf(" %.6f", v);
    std::printf("\n");
  }
}

// Entities with transformers' keys: entity, score, index, word, start, end (none), or
// entity_group, score, word, start, end.
void print_entities(std::span<const EncodeInput> inputs, const std::vector<std::vector<Entity>>& results,
                    bool json) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (json) {
      ordered_json j = text_fields(inputs[i]);
      j["entities"] = ordered_json::array();
      for (const Entity& e : results[i]) {
        ordered_json o;
        o[e.index ? "entity" : "entity_group"] = e.label;
        o["score"] = e.score;
        if (e.index) o["index"] = *e.index;
        o["word"] = e.word;
        o["start"] = e.start;
        o["end"] = e.end;
        j["entities"].push_back(std::move(o));
      }
      std::printf("%s\n", dump(j).c_str());
      continue;
    }
    std::printf("%s: %zu entities\n", title(inputs[i]).c_str(), results[i].size());
    for (const Entity& e : results[i]) {
      std::printf("  %-10s %.4f  %s  [%zu, %zu)\n", e.label.c_str(), e.score,
                  dump(ordered_json(e.word)).c_str(), e.start, e.end);
    }
  }
}

}  // namespace

std::vector<std::string> read_lines(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

void ProgressBar::start() { start_ = now_seconds(); }

void ProgressBar::update(std::size_t done, std::size_t total) {
  constexpr int kWidth = 30;
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int filled = static_cast<int>(frac * kWidth);
  const double elapsed = now_seconds() - start_;
  std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu texts, %.1f texts/s", filled,
               "==============================", kWidth - filled, "", done, total,
               elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

void run_texts(Pipeline& pipeline, const TextRunArgs& args, ProgressBar* bar) {
  const std::vector<std::string> texts = args.file.empty() ? args.texts : read_lines(args.file);
  if (!args.pairs.empty() && args.pairs.size() != texts.size()) {
    throw Error("--text-pair given " + std::to_string(args.pairs.size()) + " times for " +
                std::to_string(texts.size()) + " texts: give one pair per --text");
  }
  std::vector<EncodeInput> inputs;
  inputs.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    inputs.push_back(args.pairs.empty() ? EncodeInput(texts[i])
                                        : EncodeInput(texts[i], args.pairs[i]));
  }
  const Aggregation aggregation = aggregation_from_name(args.aggregation);
  if (args.prompt && pipeline.task() != Task::embedding) {
    throw Error("--prompt applies to embedding models (config_sentence_transformers.json's prompts)");
  }
  if (pipeline.task() == Task::token_classification && !args.pairs.empty()) {
    throw Error("--text-pair does not apply to a token classifier (one text at a time)");
  }
  if (bar) bar->start();
  try {
    if (pipeline.task() == Task::token_classification) {
      const std::vector<std::vector<Entity>> results = pipeline.token_classify(texts, aggregation);
      if (bar) bar->finish();
      print_entities(inputs, results, args.json);
    } else if (pipeline.task() == Task::classification) {
      const std::vector<Classification> results = pipeline.classify(inputs);
      if (bar) bar->finish();
      print_classifications(pipeline, inputs, results, args.json);
    } else {
      const std::vector<std::vector<float>> results = pipeline.embed(inputs, args.prompt);
      if (bar) bar->finish();
      print_embeddings(pipeline, inputs, results, args.json);
    }
  } catch (const Error& e) {
    if (bar) bar->finish();
    if (args.file.empty()) throw;
    throw Error(args.file + ": " + e.what());
  }
}

}  // namespace bertc::cli
