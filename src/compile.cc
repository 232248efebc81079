// bertc::compile: frontend (ONNX file or Hugging Face folder) → passes → Model.
#include "bertc/error.h"
#include "bertc/compile.h"
#include "bertc/cpu.h"
#include "import_model.h"
#include "ir/verifier.h"
#include "passes/passes.h"

#include <algorithm>
#include <cstring>

namespace bertc {

bool DenseModule::operator==(const DenseModule& other) const {
  auto same = [](const Tensor& a, const Tensor& b) {
    if (a.defined() != b.defined()) return false;
    return !a.defined() || (a.dtype() == b.dtype() && a.shape() == b.shape() &&
                            std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
  };
  return activation == other.activation && same(weight, other.weight) && same(bias, other.bias);
}

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
  if (options.precision == "bf16") {
    const std::vector<std::string> ext = cpu_extensions();
    const bool has_bf16 = std::find(ext.begin(), ext.end(), "avx512_bf16") != ext.end();
    throw Error(has_bf16 ? "--precision bf16: this CPU has avx512_bf16, but bertc has no bf16 kernels yet "
                           "(none could be tested here); use --precision fp32 or int8"
                         : "--precision bf16 needs a CPU with avx512_bf16 (vdpbf16ps); this one (" + active_isa() +
                               ") has none, and bertc does not emulate bf16 slowly: use --precision fp32 or int8");
  }
  if (options.precision != "fp32" && options.precision != "int8") {
    throw Error("unknown precision '" + options.precision + "' (choose fp32 or int8)");
  }
  if (options.precision == "int8" && (options.opt_level < 2 || options.gemm != "bertc")) {
    throw Error("--precision int8 quantizes the fused Dense ops for bertc's GEMM: it needs -O2 or -O3 and --gemm bertc");
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
