// set_fast_math: marks every fused op (bertc.Dense, DenseInt8, DenseBf16, bertc.LayerNorm, bertc.Attention,
// bertc.EmbedLayerNorm, bertc.GatedActivation) with attr fast_math = 1, allowing their optimized kernels to use the
// documented approximations of erf, exp and tanh (-O3 with CompileOptions::fast_math). The
// reference kernels ignore it.
#include "passes/passes.h"

namespace bertc::passes {

void set_fast_math(ir::Graph& g, bool on) {
  for (ir::Node& node : g.nodes) {
    switch (node.op) {
      case ir::Op::Dense:
      case ir::Op::DenseInt8:
      case ir::Op::DenseBf16:
      case ir::Op::LayerNorm:
      case ir::Op::Attention:
      case ir::Op::EmbedLayerNorm:
      case ir::Op::GatedActivation:
        node.attrs.set("fast_math", int64_t{on ? 1 : 0});
        break;
      default:
        break;
    }
  }
}

}  // namespace bertc::passes
