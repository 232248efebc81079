// bertc::compile: frontend → passes → Model.
#include <filesystem>

#include "bertc/error.h"
#include "bertc/session.h"
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
  if (options.gemm == "onednn" && options.opt_level < 2) {
    throw Error("--gemm onednn runs the fused Dense ops: it needs -O2 or -O3");
  }
  namespace fs = std::filesystem;
  if (!fs::exists(model_path)) throw Error(model_path + ": no such file or folder");
  if (fs::is_directory(model_path)) {
    throw Error(model_path + ": Hugging Face model folders are not supported yet; give an .onnx file");
  }
  ir::Graph graph = frontend::import_onnx(model_path);
  passes::derive_input_checks(graph);
  ir::verify(graph, model_path + " (imported)");
  passes::optimize(graph, options);
  ir::verify(graph, model_path + " (optimized at -O" + std::to_string(options.opt_level) + ")");
  return Model(std::move(graph), options);
}

}  // namespace bertc
