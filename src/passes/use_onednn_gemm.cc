// use_onednn_gemm: marks every bertc.Dense with attr gemm = "onednn", so the runtime runs it on
// oneDNN's matmul (kernels/onednn/dense_onednn.h) instead of bertc's own GEMM. W stays [K, N]
// (not prepacked): oneDNN's packed layout depends on the CPU and is made at load time.
#include "ir/op_attrs.h"
#include "passes/passes.h"

namespace bertc::passes {

void use_onednn_gemm(ir::Graph& g) {
  for (ir::Node& node : g.nodes) {
    if (node.op == ir::Op::Dense && !ir::DenseAttrs(node).packed) {
      node.attrs.set("gemm", std::string("onednn"));
    }
  }
}

}  // namespace bertc::passes
