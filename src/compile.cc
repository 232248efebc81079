// bertc::compile: frontend (ONNX file or Hugging Face folder) → passes → Model.
#include "bertc/error.h"
#include "bertc/compile.h"
#include "cpu/cpu_features.h"
#include "import_model.h"
#include "ir/verifier.h"
#include "kernels/x86/bgemm.h"
#include "passes/passes.h"

#include <cstring>
#include <string>

namespace bertc {
namespace {

// bf16 is compiled only where it runs fast (vdpbf16ps), or where the user asked for the
// reference kernels (BERTC_ISA=ref): never emulated slowly in silence.
void check_bf16_runs_here() {
  const cpu::Isa isa = cpu::active_isa();
  if (kernels::x86::bf16_runs(isa)) return;
  if (!kernels::x86::bgemm_kernel_supported()) {
    throw Error(std::string("--precision bf16 needs a CPU with avx512_bf16 (vdpbf16ps); this one (") +
                cpu::isa_name(cpu::detected_isa()) +
                ") has none, and bertc does not emulate bf16 slowly: use --precision fp32 or int8");
  }
  throw Error(std::string("--precision bf16 runs AVX-512 code, and BERTC_ISA caps this run at ") + cpu::isa_name(isa) +
              ": unset BERTC_ISA, or use --precision fp32 or int8");
}

}  // namespace

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
  if (options.precision != "fp32" && options.precision != "int8" && options.precision != "bf16") {
    throw Error("unknown precision '" + options.precision + "' (choose fp32, int8 or bf16)");
  }
  if (options.precision != "fp32" && (options.opt_level < 2 || options.gemm != "bertc")) {
    throw Error("--precision " + options.precision +
                " converts the fused Dense ops for bertc's GEMM: it needs -O2 or -O3 and --gemm bertc");
  }
  if (options.precision == "bf16") check_bf16_runs_here();
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
