// bertc::compile: frontend (ONNX file or Hugging Face folder) → passes → Model.
#include "bertc/error.h"
#include "bertc/compile.h"
#include "import_model.h"
#include "ir/verifier.h"
#include "passes/passes.h"

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
  ImportedModel imported = import_model(model_path);
  ir::Graph& graph = imported.graph;
  passes::derive_input_checks(graph);
  ir::verify(graph, model_path + " (imported)");
  passes::optimize(graph, options);
  ir::verify(graph, model_path + " (optimized at -O" + std::to_string(options.opt_level) + ")");
  Model model(std::move(graph), options);
  model.info = std::move(imported.info);
  return model;
}

}  // namespace bertc
