// A text model from a committed Hugging Face fixture (tests/fixtures/hf/<name>: config.json +
// model.safetensors) with the first vocab_size tokens of tests/fixtures/text_models/
// ascii_vocab.txt as its vocab.txt (see that folder's README.md): WordPiece text in, nothing
// from ../shared needed. Made once per test process, in its temp folder.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>
#include <string>
#include <vector>

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

// The bert_cls text model with only its first label's row of the head: a one-logit
// cross-encoder (a re-ranker).
inline std::filesystem::path ascii_cross_encoder() {
  namespace fs = std::filesystem;
  const fs::path out = temp_path("text_cross_encoder");
  if (fs::exists(out / "model.safetensors")) return out;
  const fs::path src = ascii_text_model("bert_cls");
  fs::create_directories(out);
  for (const auto& e : fs::directory_iterator(src)) {
    if (e.is_regular_file() && e.path().filename() != "model.safetensors" &&
        e.path().filename() != "config.json") {
      fs::copy_file(e.path(), out / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  std::ifstream cin(src / "config.json");
  nlohmann::json config = nlohmann::json::parse(cin);
  config["id2label"] = {{"0", "LABEL_0"}};
  config["label2id"] = {{"LABEL_0", 0}};
  std::ofstream(out / "config.json") << config.dump(2);
  // safetensors: u64 header size, JSON header {name: {dtype, shape, data_offsets}}, data.
  std::ifstream in(src / "model.safetensors", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  const nlohmann::json header = nlohmann::json::parse(file.substr(8, n));
  const std::string data = file.substr(8 + n);
  nlohmann::json new_header = nlohmann::json::object();
  std::string new_data;
  for (const auto& [name, t] : header.items()) {
    if (name == "__metadata__") continue;
    std::vector<std::int64_t> shape = t.at("shape").get<std::vector<std::int64_t>>();
    const auto begin = t.at("data_offsets")[0].get<std::size_t>();
    auto end = t.at("data_offsets")[1].get<std::size_t>();
    if (name.rfind("classifier.", 0) == 0) {  // [labels, hidden] / [labels]: keep row 0
      const std::size_t row = (end - begin) / static_cast<std::size_t>(shape[0]);
      end = begin + row;
      shape[0] = 1;
    }
    new_header[name] = {{"dtype", t.at("dtype")},
                        {"shape", shape},
                        {"data_offsets", {new_data.size(), new_data.size() + (end - begin)}}};
    new_data += data.substr(begin, end - begin);
  }
  const std::string h = new_header.dump();
  const std::uint64_t hn = h.size();
  std::ofstream outf(out / "model.safetensors", std::ios::binary);
  outf.write(reinterpret_cast<const char*>(&hn), 8);
  outf << h << new_data;
  return out;
}

}  // namespace bertc::testing
