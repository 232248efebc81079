// Helpers shared by the fuzz targets (fuzz/*_fuzz.cc): a scratch folder private to this
// process, file writes that never truncate a file a loader may still have mapped, and the
// committed fixtures the targets build their inputs around.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bertc/error.h"

namespace bertc::fuzz {

namespace fs = std::filesystem;

// A folder private to this process ($TMPDIR/bertc_fuzz_<pid>), made on first use, removed at exit.
inline const fs::path& temp_dir() {
  static const fs::path* dir = [] {
    auto* d = new fs::path(fs::temp_directory_path() / ("bertc_fuzz_" + std::to_string(getpid())));
    fs::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(temp_dir(), ec);
    });
    return d;
  }();
  return *dir;
}

// Replaces `path` with `bytes` through a rename: an mmap of the previous input stays valid.
inline void write_file(const fs::path& path, std::string_view bytes) {
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error("fuzz: cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("fuzz: cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file of the source tree (BERTC_SOURCE_DIR), e.g. source_path("tests/fixtures/hf/bert").
inline fs::path source_path(const fs::path& relative) {
  return fs::path(BERTC_SOURCE_DIR) / relative;
}

// Called with every bertc::Error a target catches: prints it when BERTC_FUZZ_VERBOSE is set (to
// see why a seed is rejected: BERTC_FUZZ_VERBOSE=1 fuzz_<name> fuzz/corpus/<name>).
inline void rejected(const std::exception& e) {
  static const bool verbose = std::getenv("BERTC_FUZZ_VERBOSE") != nullptr;
  if (verbose) fprintf(stderr, "  rejected: %s\n", e.what());
}

// Reads every tensor of a loaded weights file (safetensors, pytorch_model.bin) as float32: a
// tensor refused for its own dtype or bounds is a rejection, not the end of the input.
template <typename Weights>
void read_every_tensor(const Weights& weights) {
  for (const auto& [name, shape] : weights.shapes()) {
    try {
      (void)weights.read_f32(name);
    } catch (const bertc::Error& e) {
      rejected(e);
    }
  }
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace bertc::fuzz
