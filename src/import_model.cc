#include "import_model.h"

#include <filesystem>

#include "bertc/error.h"
#include "frontend/hf/hf_importer.h"
#include "frontend/onnx/onnx_importer.h"

namespace bertc {

ImportedModel import_model(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or folder");
  if (!fs::is_directory(path, ec)) return {frontend::onnx::import_onnx(path), {}};
  if (!frontend::hf::is_hf_folder(path)) {
    throw Error(path +
                ": not a Hugging Face model folder (no config.json); give a folder with "
                "config.json and model.safetensors, or an .onnx file");
  }
  frontend::hf::HfImport imported = frontend::hf::import_hf(path);
  return {std::move(imported.graph), std::move(imported.info)};
}

}  // namespace bertc
