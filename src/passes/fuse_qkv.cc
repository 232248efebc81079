// fuse_qkv: Concat(Dense(X, W1, b1), Dense(X, W2, b2), ..., axis = -1), each Dense read only
// by the Concat, with the same X, unpacked W of the same K, no activation and no residual →
// Dense(X, [W1 | W2 | ...], [b1 | b2 | ...]): one GEMM instead of three for the Q, K, V
// projections that fuse_attention concatenates for bertc.Attention. A missing bias counts as 0
// when another projection has one.
#include <algorithm>

#include "ir/op_attrs.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

bool match(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& concat = g.nodes[n];
  if (concat.op != ir::Op::Concat || concat.inputs.size() < 2) return false;
  const ir::ValueId out = concat.outputs[0];
  const int64_t rank = static_cast<int64_t>(index.type(out).shape.size());
  const int64_t axis = ir::AxisAttrs(concat).axis;
  if (rank == 0 || (axis != -1 && axis != rank - 1)) return false;
  std::vector<const ir::Node*> dense;
  std::vector<int32_t> group{n};
  for (ir::ValueId in : concat.inputs) {
    const ir::Node* d = index.producer_if(in, ir::Op::Dense);
    if (!d || !index.single_use(in) || ir::DenseAttrs(*d).packed ||
        ir::DenseAttrs(*d).activation != ir::DenseActivation::kNone || d->has_input(3)) {
      return false;
    }
    if (!dense.empty() && d->inputs[0] != dense[0]->inputs[0]) return false;
    if (std::find(group.begin(), group.end(), index.index_of(d)) != group.end()) return false;
    dense.push_back(d);
    group.push_back(index.index_of(d));
  }
  // Weights that came int8 (Graph::int8_weights) merge only with their like.
  const auto int8 = [&](const ir::Node* d) { return g.int8_weights.count(g.value(d->inputs[1]).name) > 0; };
  const bool all_int8 = std::all_of(dense.begin(), dense.end(), int8);
  if (!all_int8 && std::any_of(dense.begin(), dense.end(), int8)) return false;
  const int64_t K = g.value(dense[0]->inputs[1]).data->dim(0);
  int64_t total = 0;
  bool any_bias = false;
  for (const ir::Node* d : dense) {
    const Tensor& w = *g.value(d->inputs[1]).data;
    if (w.dim(0) != K) return false;
    total += w.dim(1);
    any_bias = any_bias || d->has_input(2);
  }
  Tensor w = Tensor::empty(DType::kF32, {K, total});
  Tensor b = Tensor::empty(DType::kF32, {total});
  int64_t col = 0;
  for (const ir::Node* d : dense) {
    const Tensor& wi = *g.value(d->inputs[1]).data;
    const int64_t ni = wi.dim(1);
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < ni; ++j)
        w.data<float>()[k * total + col + j] = wi.data<float>()[k * ni + j];
    }
    if (d->has_input(2)) {
      const float* bi = g.value(d->inputs[2]).data->data<float>();
      for (int64_t j = 0; j < ni; ++j) b.data<float>()[col + j] = bi[j];
    }
    col += ni;
  }
  const ir::ValueId x = dense[0]->inputs[0];
  const std::string name = dense[0]->name + "_qkv";
  ir::Attrs attrs;
  attrs.set("activation", static_cast<int64_t>(ir::DenseActivation::kNone));
  attrs.set("packed", int64_t{0});
  std::vector<ir::ValueId> inputs{x, new_constant(g, name + "_weight", std::move(w))};
  if (all_int8) g.int8_weights.insert(g.value(inputs[1]).name);
  if (any_bias) inputs.push_back(new_constant(g, name + "_bias", std::move(b)));
  apply_rewrite(g, group, {make_node(ir::Op::Dense, name, inputs, {out}, attrs)});
  return true;
}

}  // namespace

void fuse_qkv(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match(g, index, n); });
  g.sort_topologically();
}

}  // namespace bertc::passes
