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

// max |a - b| over float32 tensors of the same shape (infinity when shapes differ).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != DType::kF32 || b.dtype() != DType::kF32) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    double d = std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i]);
    if (!(d <= worst)) worst = d;  // NaN propagates
  }
  return worst;
}

}  // namespace bertc::testing
