#include "frontend/hf/weights_file.h"

#include "frontend/hf/safetensors.h"
#include "frontend/hf/torch_checkpoint.h"
#include "frontend/hf/zip_archive.h"

namespace bertc::frontend::hf {

namespace fs = std::filesystem;

std::unique_ptr<WeightsFile> open_weights(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "model.safetensors", ec)) {
    return std::make_unique<SafetensorsFile>((dir / "model.safetensors").string());
  }
  const fs::path bin = dir / "pytorch_model.bin";
  if (fs::exists(bin, ec)) {
    if (!is_zip_file(bin.string())) {
      throw Error(bin.string() +
                  ": the legacy torch.save format (PyTorch < 1.6) is not supported; convert to "
                  "safetensors (model.save_pretrained(dir, safe_serialization=True))");
    }
    return std::make_unique<TorchCheckpoint>(bin.string());
  }
  for (const char* index : {"model.safetensors.index.json", "pytorch_model.bin.index.json"}) {
    if (fs::exists(dir / index, ec)) {
      throw Error(dir.string() + ": sharded checkpoints (" + index +
                  ") are not supported; save the model as one model.safetensors");
    }
  }
  throw Error(dir.string() + ": no model.safetensors (or pytorch_model.bin) in this folder");
}

}  // namespace bertc::frontend::hf
