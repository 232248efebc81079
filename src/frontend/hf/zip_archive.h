// A read-only view of a ZIP archive whose entries are stored uncompressed, as torch.save writes
// them (PyTorch >= 1.6: pytorch_model.bin is a ZIP of data.pkl, data/<key> storages, version).
// The file is mmapped; opening reads the central directory (ZIP64 too) and every entry's local
// header, and throws bertc::Error naming the file and what is wrong (not a ZIP, truncated, a
// compressed or encrypted entry, an entry past the end of the file).
#pragma once

#include "base/files.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace bertc::frontend::hf {

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path);
  ~ZipArchive();
  ZipArchive(ZipArchive&&) noexcept;
  ZipArchive& operator=(ZipArchive&&) noexcept;

  const std::string& path() const { return path_; }
  // Entry name → its bytes (valid while the archive lives).
  const std::map<std::string, std::string_view>& entries() const { return entries_; }

 private:
  std::string path_;
  std::shared_ptr<const base::MappedFile> map_;
  std::map<std::string, std::string_view> entries_;
};

// True when the file starts with a ZIP local file header ("PK\3\4").
bool is_zip_file(const std::string& path);

}  // namespace bertc::frontend::hf
