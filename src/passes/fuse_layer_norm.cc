// fuse_layer_norm: layer normalization over the last axis into
// bertc.LayerNorm(X, gamma, beta, skip?) {epsilon}.
//
//  1. The decomposed form torch exports at opsets < 17:
//       m = ReduceMean(X, axes = [-1]);  d = Sub(X, m);  v = ReduceMean(Pow(d, 2), axes = [-1])
//       Y = Div(d, Sqrt(Add(v, eps))) · gamma + beta
//     (Mul and Add with their constant on either side; without the Mul, gamma = 1, without the
//     Add, beta = 0; Mul(d, d) for Pow(d, 2)). ONNX LayerNormalization (opset 17) with axis =
//     -1 and only its first output read.
//  2. A LayerNorm whose X is Add(a, b) of two non-constant values of X's shape, read only by the
//     LayerNorm (the residual add of a transformer layer) → LayerNorm(a, gamma, beta, skip = b).
#include <optional>

#include "ir/op_attrs.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

// The hidden size H when v is float32 [..., H] with H known.
std::optional<int64_t> hidden_size(const GraphIndex& index, ir::ValueId v) {
  const ir::TypeInfo& t = index.type(v);
  if (t.dtype != DType::kF32 || t.shape.empty() || !t.shape.back().is_known()) return std::nullopt;
  return t.shape.back().value;
}

// A [H] copy of a float32 constant with H elements that broadcasts along the last axis (shape
// [H], [1, H], ...) or a scalar (filled).
std::optional<Tensor> row_vector(const ir::Graph& g, ir::ValueId v, int64_t h) {
  const Tensor* t = constant(g, v);
  if (!t || t->dtype() != DType::kF32) return std::nullopt;
  for (int d = 0; d + 1 < t->rank(); ++d) {
    if (t->dim(d) != 1) return std::nullopt;
  }
  if (t->numel() != h && t->numel() != 1) return std::nullopt;
  Tensor out = Tensor::empty(DType::kF32, {h});
  for (int64_t i = 0; i < h; ++i) out.data<float>()[i] = t->data<float>()[t->numel() == 1 ? 0 : i];
  return out;
}

Tensor filled(int64_t h, float value) {
  Tensor t = Tensor::empty(DType::kF32, {h});
  for (int64_t i = 0; i < h; ++i) t.data<float>()[i] = value;
  return t;
}

// ReduceMean over exactly the last axis, keepdims.
bool is_last_axis_mean(const ir::Graph& g, const ir::Node& node) {
  if (node.op != ir::Op::ReduceMean || node.attrs.get_int("keepdims", 1) != 1) return false;
  const int64_t rank = static_cast<int64_t>(g.value(node.inputs[0]).type.shape.size());
  if (rank == 0) return false;
  const Tensor* axes = node.has_input(1) ? constant(g, node.inputs[1]) : nullptr;
  if (node.has_input(1) && !axes) return false;
  if (!node.has_input(1) && !node.attrs.has("axes")) return false;
  std::vector<bool> mask = ir::ReduceAttrs(node).reduced(axes, rank);
  for (int64_t d = 0; d < rank; ++d) {
    if (mask[d] != (d == rank - 1)) return false;
  }
  return true;
}

// The node reading v when it is its only reader and an `op` node, else nullptr.
const ir::Node* only_user(const GraphIndex& index, ir::ValueId v, ir::Op op) {
  if (!index.single_use(v)) return nullptr;
  const ir::Node& u = index.g.nodes[index.users[v][0]];
  return u.op == op ? &u : nullptr;
}

bool match_decomposed(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& mean = g.nodes[n];
  if (!is_last_axis_mean(g, mean)) return false;
  const ir::ValueId x = mean.inputs[0];
  auto h = hidden_size(index, x);
  if (!h) return false;
  std::vector<int32_t> group{n};
  // d = Sub(X, m): read by the variance branch and the Div.
  const ir::Node* sub = nullptr;
  for (int32_t u : index.users[mean.outputs[0]]) {
    const ir::Node& node = g.nodes[u];
    if (node.op == ir::Op::Sub && node.inputs[0] == x && node.inputs[1] == mean.outputs[0])
      sub = &node;
  }
  if (!sub || index.users[mean.outputs[0]].size() != 1) return false;
  group.push_back(index.index_of(sub));
  const ir::ValueId d = sub->outputs[0];
  const ir::Node* sq = nullptr;
  const ir::Node* div = nullptr;
  for (int32_t u : index.users[d]) {
    const ir::Node& node = g.nodes[u];
    if (node.op == ir::Op::Pow && node.inputs[0] == d &&
        is_scalar_constant(g, node.inputs[1], 2.0)) {
      sq = &node;
    } else if (node.op == ir::Op::Mul && node.inputs[0] == d && node.inputs[1] == d) {
      sq = &node;
    } else if (node.op == ir::Op::Div && node.inputs[0] == d) {
      div = &node;
    }
  }
  if (!sq || !div || index.users[d].size() != 2) return false;
  group.push_back(index.index_of(sq));
  group.push_back(index.index_of(div));
  const ir::Node* var = only_user(index, sq->outputs[0], ir::Op::ReduceMean);
  if (!var || !is_last_axis_mean(g, *var)) return false;
  group.push_back(index.index_of(var));
  const ir::Node* add_eps = only_user(index, var->outputs[0], ir::Op::Add);
  if (!add_eps) return false;
  auto eps = scalar_constant(g, other_input(*add_eps, var->outputs[0]));
  if (!eps || *eps < 0) return false;
  group.push_back(index.index_of(add_eps));
  const ir::Node* sqrt = only_user(index, add_eps->outputs[0], ir::Op::Sqrt);
  if (!sqrt || div->inputs[1] != sqrt->outputs[0]) return false;
  group.push_back(index.index_of(sqrt));
  ir::ValueId out = div->outputs[0];
  Tensor gamma = filled(*h, 1.0f), beta = filled(*h, 0.0f);
  ir::ValueId gamma_src = ir::kNoValue, beta_src = ir::kNoValue;  // the constants they come from
  if (const ir::Node* mul = only_user(index, out, ir::Op::Mul)) {
    if (auto gm = row_vector(g, other_input(*mul, out), *h)) {
      gamma = std::move(*gm);
      gamma_src = other_input(*mul, out);
      group.push_back(index.index_of(mul));
      out = mul->outputs[0];
    }
  }
  if (const ir::Node* add = only_user(index, out, ir::Op::Add)) {
    if (auto bt = row_vector(g, other_input(*add, out), *h)) {
      beta = std::move(*bt);
      beta_src = other_input(*add, out);
      group.push_back(index.index_of(add));
      out = add->outputs[0];
    }
  }
  if (!same_shape(index.type(out).shape, index.type(x).shape) ||
      !can_replace(index, group, {out})) {
    return false;
  }
  ir::Attrs attrs;
  attrs.set("epsilon", static_cast<float>(*eps));
  const std::string name = mean.name;
  ir::ValueId gv = gamma_src != ir::kNoValue ? reuse_or_new_constant(g, gamma_src, std::move(gamma))
                                             : new_constant(g, name + "_gamma", std::move(gamma));
  ir::ValueId bv = beta_src != ir::kNoValue ? reuse_or_new_constant(g, beta_src, std::move(beta))
                                            : new_constant(g, name + "_beta", std::move(beta));
  apply_rewrite(g, group, {make_node(ir::Op::LayerNorm, name, {x, gv, bv}, {out}, attrs)});
  return true;
}

bool match_onnx(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& ln = g.nodes[n];
  if (ln.op != ir::Op::LayerNormalization) return false;
  const ir::ValueId x = ln.inputs[0];
  auto h = hidden_size(index, x);
  if (!h) return false;
  const int64_t rank = static_cast<int64_t>(index.type(x).shape.size());
  const ir::LayerNormalizationAttrs ln_attrs(ln);  // stash_type 1 only
  if (ln_attrs.first_axis(rank) != rank - 1) return false;
  for (size_t i = 1; i < ln.outputs.size(); ++i) {
    if (!index.users[ln.outputs[i]].empty() || index.is_output[ln.outputs[i]]) return false;
  }
  auto gamma = row_vector(g, ln.inputs[1], *h);
  std::optional<Tensor> beta = ln.has_input(2) ? row_vector(g, ln.inputs[2], *h) : filled(*h, 0.0f);
  if (!gamma || !beta) return false;
  ir::Attrs attrs;
  attrs.set("epsilon", ln_attrs.epsilon);
  const std::string name = ln.name;
  const ir::ValueId out = ln.outputs[0];
  ir::ValueId gv = reuse_or_new_constant(g, ln.inputs[1], std::move(*gamma));
  ir::ValueId bv = ln.has_input(2) ? reuse_or_new_constant(g, ln.inputs[2], std::move(*beta))
                                   : new_constant(g, name + "_beta", std::move(*beta));
  apply_rewrite(g, {n}, {make_node(ir::Op::LayerNorm, name, {x, gv, bv}, {out}, attrs)});
  return true;
}

bool match_skip(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& ln = g.nodes[n];
  if (ln.op != ir::Op::LayerNorm || ln.has_input(3)) return false;
  const ir::ValueId x = ln.inputs[0];
  const ir::Node* add = index.producer_if(x, ir::Op::Add);
  if (!add || !index.single_use(x)) return false;
  const ir::ValueId a = add->inputs[0], b = add->inputs[1];
  const ir::Shape& s = index.type(x).shape;
  for (ir::ValueId v : {a, b}) {
    if (g.value(v).is_constant() || index.type(v).dtype != DType::kF32 ||
        !same_shape(index.type(v).shape, s)) {
      return false;
    }
  }
  std::vector<ir::ValueId> inputs{a, ln.inputs[1], ln.inputs[2], b};
  apply_rewrite(g, {index.index_of(add), n},
                {make_node(ir::Op::LayerNorm, ln.name, inputs, ln.outputs, ln.attrs)});
  return true;
}

}  // namespace

void fuse_layer_norm(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_decomposed(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_onnx(g, index, n); });
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match_skip(g, index, n); });
  g.sort_topologically();
}

}  // namespace bertc::passes
