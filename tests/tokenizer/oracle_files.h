// Where the tokenizer oracle's files are (tests/fixtures/tokenizer/: the corpus and the expected
// outputs tools/tokenizer_oracle/ writes; ../shared/data: the real tokenizers) and how to read them.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace bertc::testing {

inline const std::filesystem::path kOracleFixtures =
    std::filesystem::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / "tokenizer";
inline const std::filesystem::path kSharedData =
    std::filesystem::path(BERTC_SOURCE_DIR) / ".." / "shared" / "data";

// One JSON value per non-empty line.
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::ifstream in(p, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace bertc::testing
