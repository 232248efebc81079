// PyTorch's checkpoint format, as transformers saves pytorch_model.bin: torch.save of a
// state_dict (PyTorch >= 1.6), a ZIP archive (zip_archive.h) holding <root>/data.pkl — the
// pickled {name: tensor} (state_dict_pickle.h; nothing in it is executed) — and each storage's
// raw little-endian bytes in <root>/data/<key>. A tensor is a view (offset, shape, strides) into
// its storage, so tied weights that share one storage read correctly; every view is checked to
// lie inside its storage at open. Float storages (Float, Half, BFloat16, Double) convert to
// float32; integer ones (buffers such as position_ids) may be present but are not weights.
// Errors name the file and the entry or tensor at fault.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "frontend/hf/weights_file.h"
#include "frontend/hf/zip_archive.h"

namespace bertc::frontend::hf {

class TorchCheckpoint : public WeightsFile {
 public:
  explicit TorchCheckpoint(const std::string& path);

  const std::string& path() const override { return archive_.path(); }
  const std::map<std::string, Dims>& shapes() const override { return shapes_; }
  Tensor read_f32(const std::string& name) const override;

 private:
  struct View {
    std::string storage;  // entry name of the storage in the archive
    std::string dtype;    // "F32", "F16", "BF16", "F64", "I64", ...
    int64_t offset = 0;   // in elements
    Dims strides;
  };
  ZipArchive archive_;
  std::map<std::string, Dims> shapes_;
  std::map<std::string, View> views_;
};

}  // namespace bertc::frontend::hf
