// A reader for the safetensors format (Hugging Face's weight files):
//
//   [8 bytes]  N, the header length, unsigned little-endian
//   [N bytes]  a JSON object: {"__metadata__": {str: str}?, NAME: {"dtype": "F32", "shape": [...],
//              "data_offsets": [BEGIN, END]}, ...}; offsets count from the first byte after the
//              header; END - BEGIN = numel × the dtype's size
//   [rest]     the tensors' bytes, little-endian, C order
//
// The file is mmapped; opening validates the whole header (JSON, every entry's dtype, shape and
// offsets, offsets inside the data and not overlapping) and throws bertc::Error naming the file
// and the tensor at fault. Tensors are read on demand: `read_f32` converts F32, F16, BF16 and
// F64 to float32 (a copy, 64-byte aligned); other dtypes (I64 buffers such as position_ids) can
// be present but not read as weights.
#pragma once

#include "base/files.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bertc/tensor.h"
#include "frontend/hf/weights_file.h"

namespace bertc::frontend::hf {

struct SafetensorsEntry {
  std::string dtype;  // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte offsets into the data section
};

class SafetensorsFile : public WeightsFile {
 public:
  // Opens and validates `path`; errors start with the path.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile() override;
  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;

  const std::string& path() const override { return path_; }
  const std::map<std::string, Dims>& shapes() const override { return shapes_; }
  // Throws "PATH: missing tensor 'NAME'" when absent.
  const SafetensorsEntry& entry(const std::string& name) const;
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // The tensor as float32; throws naming the tensor when its dtype is not a float type.
  Tensor read_f32(const std::string& name) const override;

 private:
  std::string path_;
  std::shared_ptr<const base::MappedFile> map_;
  const uint8_t* data_ = nullptr;  // start of the data section
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, Dims> shapes_;
  std::map<std::string, std::string> metadata_;
};

// Bytes per element of a safetensors dtype name, or 0 when unknown.
size_t safetensors_dtype_size(const std::string& dtype);

// IEEE half to float (exact; bfloat16: ir/bf16.h).
float f16_to_f32(uint16_t h);

}  // namespace bertc::frontend::hf
