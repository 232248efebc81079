// prepack_weights: every bertc.Dense with an unpacked constant W [K, N] gets W in the packed
// layout of ir/packed_weights.h (panels of 16 columns, K-major, zero-padded; ISA-independent,
// so a bundle packed on one machine runs on any other), packed by gemm_pack_b, and attrs
// packed = 1, k = K, n = N. A W shared by several Dense nodes is packed once.
#include <map>
#include <string>

#include "bertc/error.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/x86/gemm.h"
#include "passes/passes.h"

namespace bertc::passes {

void prepack_weights(ir::Graph& g) {
  std::map<ir::ValueId, ir::ValueId> packed_of;
  for (ir::Node& node : g.nodes) {
    if (node.op != ir::Op::Dense || ir::DenseAttrs(node).packed) continue;
    const ir::Value& w = g.value(node.inputs[1]);
    if (!w.is_constant() || w.data->dtype() != DType::kF32 || w.data->rank() != 2) continue;
    const int64_t K = w.data->dim(0), N = w.data->dim(1);
    if (K == 0 || N == 0) continue;
    auto it = packed_of.find(node.inputs[1]);
    if (it == packed_of.end()) {
      Tensor packed = Tensor::empty(DType::kF32, {ir::dense_packed_size(K, N)});
      kernels::x86::gemm_pack_b(kernels::x86::GemmBLayout::kKN, w.data->data<float>(), N, K, N, packed.data<float>());
      ir::ValueId id = g.add_constant(g.unique_name(w.name + "_packed"), std::move(packed));
      it = packed_of.emplace(node.inputs[1], id).first;
    }
    node.inputs[1] = it->second;
    node.attrs.set("packed", int64_t{1});
    node.attrs.set("k", K);
    node.attrs.set("n", N);
  }
  g.remove_dead();
}

}  // namespace bertc::passes
