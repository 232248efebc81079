// The text mode of `bertc run`: texts (from --text / --text-pair or a file, one per line) through
// a Pipeline, results printed as a table or as one JSON object per text.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bertc/pipeline.h"

namespace bertc::cli {

struct TextRunArgs {
  std::vector<std::string> texts;
  std::vector<std::string> pairs;  // empty, or one per text
  std::string file;                // one text per line (instead of texts)
  bool json = false;
  std::string aggregation = "none";  // a token classifier's aggregation strategy
  std::optional<std::string> prompt;  // an encoder's prompt name (unset: its default prompt)
};

// A progress bar on stderr: start() before the first batch, update() after each, finish() ends
// its line.
class ProgressBar {
 public:
  void start();
  void update(std::size_t done, std::size_t total);
  void finish();

 private:
  double start_ = 0;
  bool drawn_ = false;
};

// The lines of a text file (a final newline ends the last line; "\r\n" endings are read too).
std::vector<std::string> read_lines(const std::string& path);

// `bar` (may be null) is the one the pipeline's options.progress updates.
void run_texts(Pipeline& pipeline, const TextRunArgs& args, ProgressBar* bar);

}  // namespace bertc::cli
