// The text fixtures of tests/fixtures/hf_text/<name>/ (written by tools/make_models.py): a small
// model with the real bert-base-uncased vocabulary and reference.json, PyTorch's results on a few
// texts of the tokenizer corpus. The model folder they stand for is assembled in a scratch folder
// from the fixture and the shared tokenizer / sentence-transformers files in ../shared/data,
// which the repository does not hold: tests skip when that folder is absent.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../common/temp_path.h"
#include "bertc/tokenizer.h"

namespace bertc::testing {

namespace fs = std::filesystem;

inline fs::path text_fixture_dir(const std::string& name) {
  return fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / "hf_text" / name;
}
inline fs::path shared_data_dir() { return fs::path(BERTC_SOURCE_DIR) / ".." / "shared" / "data"; }
inline bool have_shared_data() {
  return fs::is_regular_file(shared_data_dir() / "bert-base-uncased" / "vocab.txt");
}

inline nlohmann::json text_reference(const std::string& name) {
  std::ifstream in(text_fixture_dir(name) / "reference.json");
  return nlohmann::json::parse(in);
}

// The model folder of fixture `name` (config, weights, shared files, edits), built once per
// process under `tag`.
inline fs::path assemble_text_model(const std::string& name, const std::string& tag = "") {
  const fs::path out = temp_path("text_" + name + tag);
  if (fs::exists(out / "model.safetensors")) return out;
  const fs::path src = text_fixture_dir(name);
  const nlohmann::json ref = text_reference(name);
  fs::create_directories(out);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(src / f, out / f, fs::copy_options::overwrite_existing);
  }
  for (const auto& [rel, from] : ref.at("shared").items()) {
    fs::create_directories((out / rel).parent_path());
    fs::copy_file(shared_data_dir() / from.get<std::string>(), out / rel,
                  fs::copy_options::overwrite_existing);
  }
  for (const auto& [rel, patch] : ref.at("edits").items()) {
    std::ifstream in(out / rel);
    nlohmann::json j = nlohmann::json::parse(in);
    in.close();
    j.update(patch);
    std::ofstream(out / rel) << j.dump(2);
  }
  return out;
}

// The reference cases as tokenizer inputs (views into `ref`, which must outlive them).
inline std::vector<EncodeInput> reference_inputs(const nlohmann::json& ref) {
  std::vector<EncodeInput> inputs;
  for (const nlohmann::json& c : ref.at("cases")) {
    const std::string& text = c.at("text").get_ref<const std::string&>();
    if (c.contains("pair")) {
      inputs.emplace_back(text, std::string_view(c.at("pair").get_ref<const std::string&>()));
    } else {
      inputs.emplace_back(text);
    }
  }
  return inputs;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

#define BERTC_SKIP_WITHOUT_SHARED_DATA()                                                 \
  if (!::bertc::testing::have_shared_data())                                             \
  GTEST_SKIP() << "needs the real vocabulary in " << ::bertc::testing::shared_data_dir() \
               << " (the ../shared/data folder beside the repository)"

}  // namespace bertc::testing
