// fuse_gated_activation: a gated linear unit with GELU — ModernBERT's GeGLU MLP,
// `input, gate = Wi(x).chunk(2, dim=-1); act(input) * gate` — into bertc.GatedActivation(x).
//
// Matched from the two halves of x [..., 2F] along the last axis (a Split in two, or two Slices
// as torch exports chunk), the first half feeding a GELU (gelu_pattern.h: erf or tanh form) and
// the GELU multiplied by the second half (either order); nothing else may read the halves or the
// GELU.
#include "ir/op_attrs.h"
#include "passes/gelu_pattern.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

// v as half `part` (0: the first F, 1: the last F) of x [..., 2F] along the last axis: an
// output of a Split in two equal halves (attr axis -1 or rank - 1), or a Slice of the last axis
// (pattern.h: last_axis_slice) covering exactly that half. Sets x and part; the producer's
// node index in `node`.
bool half_of(const ir::Graph& g, const GraphIndex& index, ir::ValueId v, ir::ValueId& x, int& part, int32_t& node) {
  const ir::Node* p = index.producer(v);
  if (!p || p->inputs.empty()) return false;
  const ir::TypeInfo& xt = index.type(p->inputs[0]);
  const int64_t rank = static_cast<int64_t>(xt.shape.size());
  if (xt.dtype != DType::kF32 || rank < 2 || !xt.shape.back().is_known() || xt.shape.back().value % 2 != 0) {
    return false;
  }
  const int64_t F = xt.shape.back().value / 2;
  if (p->op == ir::Op::Split) {
    const int64_t axis = ir::AxisAttrs(*p).axis;
    if (p->outputs.size() != 2 || (axis != -1 && axis != rank - 1)) return false;
    for (ir::ValueId o : p->outputs) {
      const ir::Shape& s = index.type(o).shape;
      if (s.empty() || !s.back().is_known() || s.back().value != F) return false;
    }
    part = p->outputs[0] == v ? 0 : 1;
  } else if (const std::optional<ir::SliceRange> r = last_axis_slice(g, *p); r && r->len == F && r->start % F == 0) {
    part = static_cast<int>(r->start / F);
  } else {
    return false;
  }
  x = p->inputs[0];
  node = index.index_of(p);
  return true;
}

bool match(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& first = g.nodes[n];
  if (first.op != ir::Op::Split && first.op != ir::Op::Slice) return false;
  ir::ValueId x = ir::kNoValue;
  int part = -1;
  int32_t node = -1;
  if (!half_of(g, index, first.outputs[0], x, part, node) || part != 0) return false;
  const ir::ValueId y = first.outputs[0];
  const std::optional<GeluTree> gelu = gelu_tree(index, y, {});
  if (!gelu || !index.single_use(gelu->out)) return false;
  const int32_t mul = index.users[gelu->out][0];
  const ir::Node& m = g.nodes[mul];
  if (m.op != ir::Op::Mul) return false;
  const ir::ValueId gate = other_input(m, gelu->out);
  ir::ValueId gate_x = ir::kNoValue;
  int gate_part = -1;
  int32_t gate_node = -1;
  if (gate == ir::kNoValue || !half_of(g, index, gate, gate_x, gate_part, gate_node) || gate_x != x ||
      gate_part != 1 || !index.single_use(gate)) {
    return false;
  }
  std::vector<int32_t> group{n};
  if (gate_node != n) group.push_back(gate_node);
  group.insert(group.end(), gelu->nodes.begin(), gelu->nodes.end());
  group.push_back(mul);
  if (!can_replace(index, group, {m.outputs[0]})) return false;
  ir::Attrs attrs;
  attrs.set("activation", static_cast<int64_t>(gelu->kind));
  ir::Node fused = make_node(ir::Op::GatedActivation, m.name, {x}, {m.outputs[0]}, attrs);
  apply_rewrite(g, group, {std::move(fused)});
  return true;
}

}  // namespace

void fuse_gated_activation(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match(g, index, n); });
  g.sort_topologically();
}

}  // namespace bertc::passes
