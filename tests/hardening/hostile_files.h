// Generators of hostile inputs for the hardening tests: a stored ZIP writer (torch.save's
// container), a state_dict pickle with chosen offsets and strides, deep JSON, and copies of
// fixture folders to damage.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../common/temp_path.h"

namespace bertc::testing {

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A fresh scratch folder private to this test process.
inline std::filesystem::path scratch_dir(const std::string& name) {
  const std::filesystem::path dir = temp_path(name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A copy of `src` (a fixture folder) in a fresh scratch folder.
inline std::filesystem::path copy_dir(const std::filesystem::path& src, const std::string& name) {
  const std::filesystem::path dir = scratch_dir(name);
  std::filesystem::copy(src, dir, std::filesystem::copy_options::recursive);
  return dir;
}

inline std::string le_bytes(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

// A ZIP archive of stored (uncompressed) entries, as torch.save writes them (CRCs left 0:
// bertc does not check them).
inline std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, dir;
  for (const auto& [name, data] : entries) {
    const uint64_t local = out.size();
    out += le_bytes(0x04034b50, 4) + le_bytes(20, 2) + le_bytes(0, 2) + le_bytes(0, 2) +
           le_bytes(0, 4) + le_bytes(0, 4) + le_bytes(data.size(), 4) + le_bytes(data.size(), 4) +
           le_bytes(name.size(), 2) + le_bytes(0, 2) + name + data;
    dir += le_bytes(0x02014b50, 4) + le_bytes(20, 2) + le_bytes(20, 2) + le_bytes(0, 2) +
           le_bytes(0, 2) + le_bytes(0, 4) + le_bytes(0, 4) + le_bytes(data.size(), 4) +
           le_bytes(data.size(), 4) + le_bytes(name.size(), 2) + le_bytes(0, 2) + le_bytes(0, 2) +
           le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(0, 4) + le_bytes(local, 4) + name;
  }
  const uint64_t dir_offset = out.size();
  out += dir;
  out += le_bytes(0x06054b50, 4) + le_bytes(0, 2) + le_bytes(0, 2) + le_bytes(entries.size(), 2) +
         le_bytes(entries.size(), 2) + le_bytes(dir.size(), 4) + le_bytes(dir_offset, 4) +
         le_bytes(0, 2);
  return out;
}

// Pickle opcodes for the state_dict {"w": float tensor on storage "0"} with the given storage
// offset, shape and strides (all as 8-byte LONG1 integers).
inline std::string state_dict_pickle(int64_t offset, const std::vector<int64_t>& shape,
                                     const std::vector<int64_t>& strides) {
  auto str = [](const std::string& s) { return "X" + le_bytes(s.size(), 4) + s; };
  auto i64 = [](int64_t v) { return "\x8a\x08" + le_bytes(static_cast<uint64_t>(v), 8); };
  auto tuple = [&](const std::vector<int64_t>& v) {
    std::string s = "(";
    for (int64_t x : v) s += i64(x);
    return s + "t";
  };
  std::string p = "\x80\x02}(" + str("w");
  p += "ctorch._utils\n_rebuild_tensor_v2\n(";
  p += "(" + str("storage") + "ctorch\nFloatStorage\n" + str("0") + str("cpu") + i64(4) + "tQ";
  p += i64(offset) + tuple(shape) + tuple(strides) + "\x89}tR";  // requires_grad, hooks
  return p + "u.";
}

// pytorch_model.bin holding `pickle` as archive/data.pkl and 16 bytes of storage "0".
inline std::string torch_checkpoint(const std::string& pickle) {
  return stored_zip({{"archive/data.pkl", pickle}, {"archive/data/0", std::string(16, '\0')}});
}

// `inner` nested in `depth` JSON arrays.
inline std::string deep_json_array(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

}  // namespace bertc::testing
