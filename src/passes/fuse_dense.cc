// fuse_dense: linear layers into bertc.Dense(X, W, bias?, residual?) {activation, packed = 0}.
//
//  1. MatMul(X, W) with W a float32 constant [K, N], then (when the product has no other
//     reader) Add(product, bias) / Add(bias, product) with a constant bias of N elements
//     → Dense(X, W, bias); the same Add after a Dense with no bias yet (fuse_dense runs again
//     once fuse_attention has given DeBERTa's attention outputs their dims) → its bias. Gemm(A, B, C?) on 2-D A with transA = 0, alpha = beta = 1 and
//     constant B, C (transB = 1: W = Bᵀ) → Dense.
//  2. An activation reading only the Dense's output → attr activation:
//     GELU erf 0.5·x·(1 + erf(x / √2)) → 1, as torch emits it (Div by √2 or Mul by 1/√2, the
//     three factors x, 0.5 and (1 + erf) multiplied in any order and grouping);
//     GELU tanh 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) → 2; Relu → 3; Tanh → 4.
//  3. Add(dense, r) / Add(r, dense) with r non-constant of the output's shape, when the Dense's
//     output has no other reader → residual r.
#include <optional>

#include "ir/op_attrs.h"
#include "passes/gelu_pattern.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {


// The bias of an Add after a product of width n: a float32 constant with n elements that
// broadcasts along the last axis only (shape [n], [1, n], ...), or a scalar (filled to n).
std::optional<Tensor> bias_vector(const ir::Graph& g, ir::ValueId v, int64_t n, size_t out_rank) {
  const Tensor* t = constant(g, v);
  if (!t || t->dtype() != DType::kF32 || static_cast<size_t>(t->rank()) > out_rank)
    return std::nullopt;
  for (int d = 0; d + 1 < t->rank(); ++d) {
    if (t->dim(d) != 1) return std::nullopt;
  }
  Tensor b = Tensor::empty(DType::kF32, {n});
  if (t->numel() == 1) {
    for (int64_t i = 0; i < n; ++i) b.data<float>()[i] = t->data<float>()[0];
  } else if (t->numel() == n && t->rank() >= 1) {
    for (int64_t i = 0; i < n; ++i) b.data<float>()[i] = t->data<float>()[i];
  } else {
    return std::nullopt;
  }
  return b;
}

ir::Attrs dense_attrs() {
  ir::Attrs a;
  a.set("activation", static_cast<int64_t>(ir::DenseActivation::kNone));
  a.set("packed", int64_t{0});
  return a;
}

// The Add of a bias of N elements that alone reads `prod` (joins `group`; sets `out` to its
// output), as a constant, or kNoValue.
ir::ValueId bias_after(ir::Graph& g, const GraphIndex& index, ir::ValueId prod, int64_t N,
                       std::vector<int32_t>& group, ir::ValueId& out) {
  if (!index.single_use(prod)) return ir::kNoValue;
  const ir::Node& add = g.nodes[index.users[prod][0]];
  if (add.op != ir::Op::Add) return ir::kNoValue;
  const ir::ValueId other = other_input(add, prod);
  if (other == ir::kNoValue) return ir::kNoValue;
  auto b = bias_vector(g, other, N, index.type(prod).shape.size());
  if (!b || !same_shape(index.type(add.outputs[0]).shape, index.type(prod).shape)) return ir::kNoValue;
  group.push_back(index.users[prod][0]);
  out = add.outputs[0];
  return reuse_or_new_constant(g, other, std::move(*b));
}

// Step 1a: MatMul(X, W const) [+ bias].
bool match_matmul(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& mm = g.nodes[n];
  if (mm.op != ir::Op::MatMul) return false;
  const ir::ValueId x = mm.inputs[0], w = mm.inputs[1];
  const Tensor* wt = constant(g, w);
  if (!wt || wt->dtype() != DType::kF32 || wt->rank() != 2 || constant(g, x)) return false;
  const ir::TypeInfo& xt = index.type(x);
  if (xt.dtype != DType::kF32 || xt.shape.empty()) return false;
  std::vector<int32_t> group{n};
  ir::ValueId out = mm.outputs[0];
  const ir::ValueId bias = bias_after(g, index, mm.outputs[0], wt->dim(1), group, out);
  std::vector<ir::ValueId> inputs{x, w};
  if (bias != ir::kNoValue) inputs.push_back(bias);
  apply_rewrite(g, group, {make_node(ir::Op::Dense, mm.name, inputs, {out}, dense_attrs())});
  return true;
}

// Step 1c: a Dense with no bias, activation or residual yet, then the Add of a bias.
bool match_dense_bias(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& dense = g.nodes[n];
  if (dense.op != ir::Op::Dense || dense.inputs.size() > 2 || dense.attrs.get_int("activation", 0) != 0 ||
      dense.attrs.get_int("packed", 0) != 0) {
    return false;
  }
  const Tensor* wt = constant(g, dense.inputs[1]);
  if (!wt || wt->rank() != 2) return false;
  std::vector<int32_t> group{n};
  ir::ValueId out = dense.outputs[0];
  const ir::ValueId bias = bias_after(g, index, dense.outputs[0], wt->dim(1), group, out);
  if (bias == ir::kNoValue) return false;
  apply_rewrite(g, group,
                {make_node(ir::Op::Dense, dense.name, {dense.inputs[0], dense.inputs[1], bias}, {out}, dense.attrs)});
  return true;
}

// Step 1b: Gemm(A, B const, C const?) with alpha = beta = 1, transA = 0.
bool match_gemm(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& gemm = g.nodes[n];
  if (gemm.op != ir::Op::Gemm) return false;
  const ir::GemmAttrs gemm_attrs(gemm);
  if (gemm_attrs.trans_a || gemm_attrs.alpha != 1.0f || gemm_attrs.beta != 1.0f) {
    return false;
  }
  const ir::ValueId a = gemm.inputs[0];
  const Tensor* bt = constant(g, gemm.inputs[1]);
  if (!bt || bt->dtype() != DType::kF32 || bt->rank() != 2 || constant(g, a)) return false;
  if (index.type(a).dtype != DType::kF32 || index.type(a).shape.size() != 2) return false;
  const bool trans_b = gemm_attrs.trans_b;
  const int64_t K = trans_b ? bt->dim(1) : bt->dim(0), N = trans_b ? bt->dim(0) : bt->dim(1);
  std::optional<Tensor> bias;
  if (gemm.has_input(2)) {
    bias = bias_vector(g, gemm.inputs[2], N, 2);
    if (!bias) return false;
  }
  Tensor w = Tensor::empty(DType::kF32, {K, N});
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < N; ++j) {
      w.data<float>()[k * N + j] = bt->data<float>()[trans_b ? j * K + k : k * N + j];
    }
  }
  std::vector<ir::ValueId> inputs{
      a, new_constant(g, g.value(gemm.inputs[1]).name + "_kn", std::move(w))};
  if (bias) inputs.push_back(reuse_or_new_constant(g, gemm.inputs[2], std::move(*bias)));
  apply_rewrite(g, {n},
                {make_node(ir::Op::Dense, gemm.name, inputs, {gemm.outputs[0]}, dense_attrs())});
  return true;
}

// ---- activations ---------------------------------------------------------------------------

// Step 2: Dense (no activation, no residual) followed by an activation.
bool match_activation(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& dense = g.nodes[n];
  if (dense.op != ir::Op::Dense || ir::DenseAttrs(dense).activation != ir::DenseActivation::kNone ||
      dense.has_input(3)) {
    return false;
  }
  const ir::ValueId y = dense.outputs[0];
  std::vector<int32_t> group{n};
  ir::ValueId out = ir::kNoValue;
  using ir::DenseActivation;
  DenseActivation act = DenseActivation::kNone;
  if (index.single_use(y)) {
    const ir::Node& u = g.nodes[index.users[y][0]];
    if (u.op == ir::Op::Relu || u.op == ir::Op::Tanh) {
      act = u.op == ir::Op::Relu ? DenseActivation::kRelu : DenseActivation::kTanh;
      group.push_back(index.users[y][0]);
      out = u.outputs[0];
    }
  }
  if (act == DenseActivation::kNone) {
    if (std::optional<GeluTree> gelu = gelu_tree(index, y, group)) {
      act = gelu->kind;
      group.insert(group.end(), gelu->nodes.begin(), gelu->nodes.end());
      out = gelu->out;
    }
  }
  if (act == DenseActivation::kNone || !can_replace(index, group, {out})) return false;
  ir::Attrs attrs = dense.attrs;
  attrs.set("activation", static_cast<int64_t>(act));
  ir::Node fused = make_node(ir::Op::Dense, dense.name, dense.inputs, {out}, attrs);
  apply_rewrite(g, group, {std::move(fused)});
  return true;
}

// Step 3: Dense followed by a residual Add.
bool match_residual(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& dense = g.nodes[n];
  if (dense.op != ir::Op::Dense || dense.has_input(3)) return false;
  const ir::ValueId y = dense.outputs[0];
  if (!index.single_use(y)) return false;
  const int32_t a = index.users[y][0];
  const ir::Node& add = g.nodes[a];
  if (add.op != ir::Op::Add) return false;
  const ir::ValueId r = other_input(add, y);
  if (r == ir::kNoValue || g.value(r).is_constant() || index.type(r).dtype != DType::kF32)
    return false;
  const ir::Shape& out_shape = index.type(add.outputs[0]).shape;
  if (!same_shape(out_shape, index.type(y).shape) || !same_shape(out_shape, index.type(r).shape)) {
    return false;
  }
  std::vector<ir::ValueId> inputs = dense.inputs;
  inputs.resize(4, ir::kNoValue);
  inputs[3] = r;
  apply_rewrite(g, {n, a},
                {make_node(ir::Op::Dense, dense.name, inputs, {add.outputs[0]}, dense.attrs)});
  return true;
}

}  // namespace

void fuse_dense(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_matmul(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_gemm(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_dense_bias(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_activation(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_residual(g, index, n); });
  g.sort_topologically();
}

}  // namespace bertc::passes
