// fuse_qdq_matmul: the QDQ form of a MatMul with constant int8 weights (ONNX Runtime's
// quantize_static with QuantFormat.QDQ, and exporters that write the same nodes),
//
//   X  -> QuantizeLinear(x_scale, x_zero_point) -> DequantizeLinear(x_scale, x_zero_point) : A
//   Wq (int8 / uint8 constant [K, N]) -> DequantizeLinear(w_scale, w_zero_point)          : B
//   MatMul(A, B)
//
// becomes MatMul(X, W) with W = DequantizeLinear(Wq) evaluated once (the reference kernel; per
// tensor or per column) and W's name recorded in Graph::int8_weights, so that quantize_dense makes
// it a bertc.DenseInt8 as it does the quantize_dynamic form. The activation's fake quantization
// (static scale) is dropped: DenseInt8 quantizes X per token row when it runs. A QuantizeLinear
// -> DequantizeLinear pair that other nodes also read stays for them. The weight-only form (X
// read as is) is fused alike.
//
// It runs before constant folding (optimize.cc), which would otherwise fold Wq's
// DequantizeLinear into an fp32 constant that no longer says it was int8.
#include <cstring>

#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {
namespace {

// The float32 weights a DequantizeLinear of constant int8 / uint8 [K, N] makes, or nullopt.
std::optional<Tensor> dequantized_weight(const ir::Graph& g, const ir::Node& dq) {
  const Tensor* wq = constant(g, dq.inputs[0]);
  if (!wq || wq->rank() != 2 || (wq->dtype() != DType::kI8 && wq->dtype() != DType::kU8)) return std::nullopt;
  std::optional<ConstantEvaluation> w = evaluate_constant_node(g, dq);
  if (!w) return std::nullopt;
  return std::move(w->values[0]);
}

// Whether a and b are constants with equal contents (dtype, shape and bytes), or both absent.
bool same_constant(const ir::Graph& g, ir::ValueId a, ir::ValueId b) {
  if (a == b) return true;
  const Tensor* x = a == ir::kNoValue ? nullptr : constant(g, a);
  const Tensor* y = b == ir::kNoValue ? nullptr : constant(g, b);
  return x && y && x->dtype() == y->dtype() && x->shape() == y->shape() &&
         std::memcmp(x->raw(), y->raw(), x->nbytes()) == 0;
}

// X when `a` is DequantizeLinear(QuantizeLinear(X)) with one constant scale and zero point on
// both sides (a round trip through int8), else `a` itself.
ir::ValueId unquantized(const ir::Graph& g, const GraphIndex& index, ir::ValueId a) {
  const ir::Node* dq = index.producer_if(a, ir::Op::DequantizeLinear);
  const ir::Node* q = dq ? index.producer_if(dq->inputs[0], ir::Op::QuantizeLinear) : nullptr;
  if (!q || !same_constant(g, q->inputs[1], dq->inputs[1])) return a;
  const ir::ValueId qz = q->has_input(2) ? q->inputs[2] : ir::kNoValue;
  const ir::ValueId dz = dq->has_input(2) ? dq->inputs[2] : ir::kNoValue;
  if (!same_constant(g, qz, dz) || ir::QuantizeAttrs(*q).axis != ir::QuantizeAttrs(*dq).axis) return a;
  return q->inputs[0];
}

bool fuse_one(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& mm = g.nodes[n];
  if (mm.op != ir::Op::MatMul) return false;
  const ir::Node* dq_w = index.producer_if(mm.inputs[1], ir::Op::DequantizeLinear);
  if (!dq_w || !index.single_use(mm.inputs[1])) return false;
  std::optional<Tensor> w = dequantized_weight(g, *dq_w);
  if (!w) return false;
  const ir::ValueId x = unquantized(g, index, mm.inputs[0]);
  const std::string name = mm.name;
  const ir::ValueId y = mm.outputs[0];
  const ir::ValueId w_id = new_constant(g, g.value(dq_w->inputs[0]).name + "_dequantized", std::move(*w));
  g.int8_weights.insert(g.value(w_id).name);
  apply_rewrite(g, {n}, {make_node(ir::Op::MatMul, name, {x, w_id}, {y})});
  return true;
}

}  // namespace

void fuse_qdq_matmul(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return fuse_one(g, index, n); });
}

}  // namespace bertc::passes
