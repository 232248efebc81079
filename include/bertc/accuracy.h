// Two models compared on texts: the accuracy gate of `bertc compile --precision int8|bf16
// --calibration texts.txt` and `bertc verify --against`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bertc {

class Model;

struct AccuracyReport {
  std::string kind;      // "embedding" or "classification" (the reference's task)
  int64_t texts = 0;
  // Embeddings: the cosine similarity of each text's two embeddings: mean, min, 1st percentile.
  double cosine_mean = 1, cosine_min = 1, cosine_p1 = 1;
  // Classifiers: the share of texts whose top label agrees, and the largest |Δ probability|.
  double label_agreement = 1, max_probability_diff = 0;
  // What the limit is checked against: 1 - mean cosine (embeddings), 1 - label agreement
  // (classifiers).
  double drop = 0;
  double max_drop = 0;  // the limit it was checked against (0: none)
  // The candidate's Dense layers by precision (names as in bertc inspect).
  std::vector<std::string> fp32_layers, smoothed_layers;
  int64_t int8_layers = 0, bf16_layers = 0;

  bool passed() const { return max_drop <= 0 || drop <= max_drop; }
  std::string to_text() const;  // several lines, for people
};

// Runs both models (same task, same tokenizer) on `texts` and compares their embeddings or
// class probabilities. Throws bertc::Error when the models cannot be compared (different task,
// width or labels; no texts; a model that runs no text).
AccuracyReport compare_on_texts(const Model& reference, const Model& candidate,
                                const std::vector<std::string>& texts, int threads = 0);

// Each Dense layer's input channels' largest |x| (by layer name, as bertc inspect lists them)
// when `model` (fp32) runs `texts`: what CompileOptions::activation_ranges takes.
std::map<std::string, std::vector<float>> measure_dense_inputs(const Model& model,
                                                               const std::vector<std::string>& texts,
                                                               int threads = 0);

// Reads a text file, one text per line (empty lines skipped); errors name the file.
std::vector<std::string> read_text_lines(const std::string& path);

}  // namespace bertc
