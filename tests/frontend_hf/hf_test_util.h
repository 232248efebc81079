// Helpers for the Hugging Face frontend tests: the committed checkpoint folders in
// tests/fixtures/hf/, edited copies of them in a scratch folder, and a safetensors writer.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "../common/error_of.h"
#include "../common/temp_path.h"
#include "../e2e/fixtures.h"
#include "bertc/error.h"
#include "bertc/tensor.h"
#include "frontend/hf/safetensors.h"

namespace bertc::testing {

namespace fs = std::filesystem;

inline fs::path hf_fixture(const std::string& name) { return fixtures_dir() / "hf" / name; }

// A fresh copy of fixture `name` (config.json, model.safetensors) in a scratch folder.
inline fs::path copy_hf_fixture(const std::string& name, const std::string& tag) {
  const fs::path dst = temp_path("hf_" + name + "_" + tag);
  fs::remove_all(dst);
  fs::create_directories(dst);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(hf_fixture(name) / f, dst / f);
  }
  return dst;
}

inline nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline void write_json(const fs::path& p, const nlohmann::json& j) { write_text(p, j.dump(2)); }

// A safetensors file from a header JSON text and the data section, as given.
inline void write_raw_safetensors(const fs::path& p, const std::string& header,
                                  const std::string& data) {
  std::string bytes(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  write_text(p, bytes + header + data);
}

// Every tensor of a (float) safetensors file.
inline std::map<std::string, Tensor> read_safetensors(const fs::path& p) {
  frontend::hf::SafetensorsFile file(p.string());
  std::map<std::string, Tensor> out;
  for (const auto& [name, e] : file.entries()) out[name] = file.read_f32(name);
  return out;
}

// Writes float32 tensors as a safetensors file (name order).
inline void write_safetensors(const fs::path& p, const std::map<std::string, Tensor>& tensors) {
  nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
  std::string data;
  for (const auto& [name, t] : tensors) {
    header[name] = {{"dtype", "F32"},
                    {"shape", t.shape()},
                    {"data_offsets", {data.size(), data.size() + t.nbytes()}}};
    data.append(static_cast<const char*>(t.raw()), t.nbytes());
  }
  write_raw_safetensors(p, header.dump(), data);
}

}  // namespace bertc::testing
