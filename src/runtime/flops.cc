#include "runtime/flops.h"

#include "ir/op_attrs.h"

namespace bertc::runtime {

double plan_flops(const ir::Graph& graph, const Plan& plan) {
  double flops = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    if (node.inputs.empty() || node.outputs.empty() || !node.has_input(0)) continue;
    const Tensor& a = plan.value(node.inputs[0]);
    const Tensor& y = plan.value(node.outputs[0]);
    if (a.rank() < 1) continue;
    switch (node.op) {
      case ir::Op::Dense:
      case ir::Op::DenseInt8:
      case ir::Op::DenseBf16:
      case ir::Op::MatMul:  // [..., M, K] · [..., K, N]: K is A's last dim
        flops += 2.0 * static_cast<double>(y.numel()) * static_cast<double>(a.shape().back());
        break;
      case ir::Op::Gemm: {  // A is [M, K], or [K, M] with transA
        if (a.rank() != 2) break;
        const int64_t k = ir::GemmAttrs(node).trans_a ? a.dim(0) : a.dim(1);
        flops += 2.0 * static_cast<double>(y.numel()) * static_cast<double>(k);
        break;
      }
      case ir::Op::Attention: {  // QKV [B, S, 3·NH·D] -> Y [B, S, NH·D]: 4·S²·NH·D per b
        if (a.rank() != 3) break;
        const double width = static_cast<double>(a.dim(2) / 3);
        if (plan.packed_node(n)) {  // each sequence over its own length
          const kernels::Sequences& seqs = plan.sequences();
          for (int64_t b = 0; b < seqs.count; ++b) {
            const auto len = static_cast<double>(seqs.offsets[b + 1] - seqs.offsets[b]);
            flops += 4.0 * len * len * width;
          }
          break;
        }
        const double b = static_cast<double>(a.dim(0)), s = static_cast<double>(a.dim(1));
        flops += 4.0 * b * s * s * width;
        break;
      }
      default:
        break;
    }
  }
  return flops;
}

}  // namespace bertc::runtime
