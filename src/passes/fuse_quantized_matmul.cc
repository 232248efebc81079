// fuse_quantized_matmul: ONNX Runtime's quantize_dynamic form of a MatMul with constant weights,
//
//   X -> DynamicQuantizeLinear -> (Xq, x_scale, x_zero_point)
//   MatMulInteger(Xq, Wq, x_zero_point, w_zero_point?) -> Cast(float) -> Mul(·, x_scale · w_scale)
//
// (Hugging Face's model_quantized.onnx / model_qint8_*.onnx; Wq int8 or uint8 [K, N], w_scale and
// w_zero_point scalars or per column), becomes MatMul(X, W) with W = (Wq - w_zero_point) · w_scale,
// W's name recorded in Graph::int8_weights: fuse_dense then gives it its bias, activation and
// residual like any MatMul, and quantize_dense makes it bertc.DenseInt8 even in an fp32 compile
// (the weights are requantized per column within ±64; activations are quantized per token rather
// than per tensor, so results differ from ONNX Runtime's at the size of int8 rounding).
#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {
namespace {

// The values of a float32 constant holding one number or one per column (n), or nullopt.
std::optional<std::vector<float>> per_column_floats(const ir::Graph& g, ir::ValueId v, int64_t n) {
  auto values = float_constant(g, v);
  if (!values || (values->size() != 1 && static_cast<int64_t>(values->size()) != n)) return std::nullopt;
  return values;
}

// Element i of an int8 or uint8 tensor.
float int8_at(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kI8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i];
}

bool fuse_one(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& mm = g.nodes[n];
  if (mm.op != ir::Op::MatMulInteger || !mm.has_input(2)) return false;
  const ir::Node* dql = index.producer_if(mm.inputs[0], ir::Op::DynamicQuantizeLinear);
  if (!dql || dql->outputs.size() != 3 || mm.inputs[2] != dql->outputs[2]) return false;
  const Tensor* wq = constant(g, mm.inputs[1]);
  if (!wq || wq->rank() != 2 || (wq->dtype() != DType::kI8 && wq->dtype() != DType::kU8)) return false;
  const int64_t K = wq->dim(0), N = wq->dim(1);
  const Tensor* wzp = mm.has_input(3) ? constant(g, mm.inputs[3]) : nullptr;
  if (mm.has_input(3) && (!wzp || wzp->dtype() != wq->dtype() || (wzp->numel() != 1 && wzp->numel() != N))) return false;
  if (!index.single_use(mm.outputs[0])) return false;
  const ir::Node& cast = g.nodes[index.users[mm.outputs[0]][0]];
  if (cast.op != ir::Op::Cast || cast.attrs.get_int("to", 0) != 1 || !index.single_use(cast.outputs[0])) return false;
  const ir::Node& mul = g.nodes[index.users[cast.outputs[0]][0]];
  if (mul.op != ir::Op::Mul) return false;
  const ir::ValueId scale = other_input(mul, cast.outputs[0]);
  const ir::Node* scales = index.producer_if(scale, ir::Op::Mul);
  if (!scales || !index.single_use(scale)) return false;
  const ir::ValueId w_scale = other_input(*scales, dql->outputs[1]);
  if (w_scale == ir::kNoValue) return false;
  const auto ws = per_column_floats(g, w_scale, N);
  if (!ws) return false;

  Tensor w = Tensor::empty(DType::kF32, {K, N});
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < N; ++j) {
      const int64_t i = k * N + j;
      const float z = wzp ? int8_at(*wzp, wzp->numel() == 1 ? 0 : j) : 0.0f;
      w.data<float>()[i] = (int8_at(*wq, i) - z) * (*ws)[ws->size() == 1 ? 0 : j];
    }
  }
  const std::vector<int32_t> group{n, index.index_of(&cast), index.index_of(scales), index.index_of(&mul)};
  const ir::ValueId y = mul.outputs[0];
  if (!can_replace(index, group, {y})) return false;
  const ir::ValueId x = dql->inputs[0];
  const std::string name = mul.name;
  const ir::ValueId w_id = new_constant(g, g.value(mm.inputs[1]).name + "_dequantized", std::move(w));
  g.int8_weights.insert(g.value(w_id).name);
  apply_rewrite(g, group, {make_node(ir::Op::MatMul, name, {x, w_id}, {y})});
  return true;
}

}  // namespace

void fuse_quantized_matmul(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return fuse_one(g, index, n); });
}

}  // namespace bertc::passes
