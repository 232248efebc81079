// bertc::compile: frontend (ONNX file or Hugging Face folder) → passes → Model.
#include <filesystem>

#include "bertc/error.h"
#include "bertc/session.h"
#include "frontend/hf/hf_importer.h"
#include "frontend/onnx/onnx_importer.h"
#include "ir/verifier.h"
#include "passes/pipeline.h"

namespace bertc {

Model compile(const std::string& model_path, const CompileOptions& options) {
  if (options.opt_level < 0 || options.opt_level > 3) {
    throw Error("optimization level must be 0..3, got " + std::to_string(options.opt_level));
  }
  if (options.gemm != "bertc" && options.gemm != "onednn") {
    throw Error("unknown GEMM backend '" + options.gemm + "' (choose bertc or onednn)");
  }
  namespace fs = std::filesystem;
  if (!fs::exists(model_path)) throw Error(model_path + ": no such file or folder");
  ir::Graph graph;
  std::map<std::string, std::string> metadata;
  if (fs::is_directory(model_path)) {
    if (!frontend::is_hf_folder(model_path)) {
      throw Error(model_path + ": not a Hugging Face model folder (no config.json); give a folder "
                  "with config.json and model.safetensors, or an .onnx file");
    }
    frontend::HfImport imported = frontend::import_hf(model_path);
    graph = std::move(imported.graph);
    metadata = std::move(imported.metadata);
  } else {
    graph = frontend::import_onnx(model_path);
  }
  passes::derive_input_checks(graph);
  ir::verify(graph, model_path + " (imported)");
  passes::optimize(graph, options);
  ir::verify(graph, model_path + " (optimized at -O" + std::to_string(options.opt_level) + ")");
  Model model(std::move(graph), options);
  model.metadata = std::move(metadata);
  return model;
}

}  // namespace bertc
