// Test helpers for the PyTorch-exported fixtures in tests/fixtures/<name>/
// (model.onnx, inputs/*.npy, outputs/*.npy, inputs_2/, outputs_2/, meta.json).
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bertc/compare.h"
#include "bertc/npy.h"
#include "bertc/tensor.h"

namespace bertc::testing {

inline std::filesystem::path fixtures_dir() {
  return std::filesystem::path(BERTC_SOURCE_DIR) / "tests" / "fixtures";
}

// Names of the ONNX fixtures (folders with a model.onnx), sorted.
inline std::vector<std::string> onnx_fixture_names() {
  std::vector<std::string> names;
  if (!std::filesystem::exists(fixtures_dir())) return names;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir())) {
    if (std::filesystem::exists(entry.path() / "model.onnx")) names.push_back(entry.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline nlohmann::json fixture_meta(const std::string& name) {
  std::ifstream in(fixtures_dir() / name / "meta.json");
  return nlohmann::json::parse(in);
}

// Every .npy file in `dir`, by stem.
inline std::map<std::string, Tensor> read_npy_dir(const std::filesystem::path& dir) {
  std::map<std::string, Tensor> tensors;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".npy") tensors[entry.path().stem()] = read_npy(entry.path());
  }
  return tensors;
}

// max |got - want| on the real tokens (bertc/compare.h): `inputs` may hold the batch's
// attention_mask, whose padding rows are not compared.
inline double max_abs_diff(const Tensor& got, const Tensor& want,
                           const std::map<std::string, Tensor>& inputs = {}) {
  const auto mask = inputs.find("attention_mask");
  return bertc::max_abs_diff(got, want, mask == inputs.end() ? nullptr : &mask->second);
}

}  // namespace bertc::testing
