// The named tensors of a checkpoint file, whatever its format: model.safetensors
// (safetensors.h) or PyTorch's pytorch_model.bin (torch_checkpoint.h). Errors start with the path.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "bertc/error.h"
#include "bertc/tensor.h"

namespace bertc::frontend::hf {

class WeightsFile {
 public:
  virtual ~WeightsFile() = default;

  virtual const std::string& path() const = 0;
  // Every tensor's name and shape.
  virtual const std::map<std::string, Dims>& shapes() const = 0;
  // The tensor as a new contiguous float32 tensor; throws for a missing name or an integer dtype.
  virtual Tensor read_f32(const std::string& name) const = 0;

  bool contains(const std::string& name) const { return shapes().count(name) != 0; }
  // Throws "PATH: missing tensor 'NAME'" when absent.
  const Dims& shape(const std::string& name) const {
    auto it = shapes().find(name);
    if (it == shapes().end()) throw Error(path() + ": missing tensor '" + name + "'");
    return it->second;
  }
};

// The checkpoint file of a folder (a model's, or a sentence-transformers module's):
// model.safetensors, else pytorch_model.bin (torch.save's ZIP form); the legacy format, sharded
// checkpoints and a folder with neither are errors naming the folder.
std::unique_ptr<WeightsFile> open_weights(const std::filesystem::path& dir);

}  // namespace bertc::frontend::hf
