// A text model from a committed Hugging Face fixture (tests/fixtures/hf/<name>: config.json +
// model.safetensors) with the first vocab_size tokens of tests/fixtures/text_models/
// ascii_vocab.txt as its vocab.txt (see that folder's README.md): WordPiece text in, nothing
// from ../shared needed. Made once per test process, in its temp folder.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "temp_path.h"

namespace bertc::testing {

inline std::filesystem::path ascii_text_model(const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path fixtures = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures";
  const fs::path out = temp_path("text_model_" + name);
  if (fs::exists(out / "vocab.txt")) return out;
  const fs::path src = fixtures / "hf" / name;
  fs::create_directories(out);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(src / f, out / f, fs::copy_options::overwrite_existing);
  }
  std::ifstream config_in(src / "config.json");
  const auto size = nlohmann::json::parse(config_in).at("vocab_size").get<std::size_t>();
  std::ifstream vocab_in(fixtures / "text_models" / "ascii_vocab.txt");
  std::ofstream vocab_out(out / "vocab.txt");
  std::string line;
  for (std::size_t i = 0; i < size && std::getline(vocab_in, line); ++i) vocab_out << line << "\n";
  return out;
}

}  // namespace bertc::testing
