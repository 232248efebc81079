// convert_dense_bf16 (--precision bf16): every bertc.Dense with a constant float32 W [K, N]
// becomes bertc.DenseBf16(X, Wb, bias?, residual?) with the same name, activation and residual:
// W rounded to bf16 (ir/bf16.h) and packed in k-pairs (kernels/x86/bgemm.h bgemm_pack_b, the
// layout of ir/packed_weights.h; ISA-independent). Nodes named in keep_fp32 stay bertc.Dense (a
// name there that is no Dense node fails). A W shared by several nodes is converted once.
#include <map>
#include <set>
#include <string>

#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/x86/bgemm.h"
#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {

void convert_dense_bf16(ir::Graph& g, const std::vector<std::string>& keep_fp32) {
  const std::set<std::string> fp32 = dense_layer_names(g, keep_fp32);
  std::map<ir::ValueId, ir::ValueId> converted_of;
  for (ir::Node& node : g.nodes) {
    if (node.op != ir::Op::Dense || fp32.count(node.name)) continue;
    const ir::DenseAttrs attrs(node);
    const ir::Value w = g.value(node.inputs[1]);  // a copy: adding constants may move values
    if (attrs.packed || attrs.gemm != "bertc") continue;
    if (!w.is_constant() || w.data->dtype() != DType::kF32 || w.data->rank() != 2) continue;
    const int64_t K = w.data->dim(0), N = w.data->dim(1);
    if (K == 0 || N == 0) continue;
    auto it = converted_of.find(node.inputs[1]);
    if (it == converted_of.end()) {
      Tensor wb = Tensor::empty(DType::kI32, {ir::dense_bf16_packed_size(K, N)});
      kernels::x86::bgemm_pack_b(w.data->data<float>(), N, K, N, wb.data<int32_t>());
      it = converted_of
               .emplace(node.inputs[1],
                        g.add_constant(g.unique_name(w.name + "_bf16"), std::move(wb)))
               .first;
    }
    std::vector<ir::ValueId> inputs{node.inputs[0], it->second};
    for (size_t i = 2; i < 4; ++i)
      inputs.push_back(node.has_input(i) ? node.inputs[i] : ir::kNoValue);
    while (inputs.back() == ir::kNoValue) inputs.pop_back();
    node.op = ir::Op::DenseBf16;
    node.inputs = std::move(inputs);
    node.attrs.set("k", K);
    node.attrs.set("n", N);
  }
  g.remove_dead();
}

}  // namespace bertc::passes
