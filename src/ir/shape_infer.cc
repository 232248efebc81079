#include "ir/shape_infer.h"

#include <array>
#include <mutex>

#include "bertc/error.h"

namespace bertc::ir {

const TypeInfo& ShapeContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required but absent");
  return *in[i];
}

void ShapeContext::fail(const std::string& message) const {
  throw Error("node '" + node.name + "' (" + std::string(op_name(node.op)) + "): " + message);
}

ShapeFn shape_fn(Op op) {
  static const std::array<ShapeFn, kNumOps> table = [] {
    std::array<ShapeFn, kNumOps> t{};
    register_math_shapes(t.data());
    register_data_shapes(t.data());
    register_fused_shapes(t.data());
    return t;
  }();
  return table[static_cast<size_t>(op)];
}

Shape broadcast_shapes(const ShapeContext& ctx, const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const Dim* da = i + a.size() >= rank ? &a[i + a.size() - rank] : nullptr;
    const Dim* db = i + b.size() >= rank ? &b[i + b.size() - rank] : nullptr;
    if (!da) { out[i] = *db; continue; }
    if (!db) { out[i] = *da; continue; }
    if (da->is_known() && da->value == 1) { out[i] = *db; continue; }
    if (db->is_known() && db->value == 1) { out[i] = *da; continue; }
    if (da->is_known() && db->is_known() && da->value != db->value) {
      ctx.fail("cannot broadcast shapes " + shape_str(a) + " and " + shape_str(b));
    }
    out[i] = da->is_known() ? *da : (db->is_known() ? *db : (da->symbol.empty() ? *db : *da));
  }
  return out;
}

int64_t normalize_axis(const ShapeContext& ctx, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

void infer_shapes(Graph& graph) {
  for (Node& node : graph.nodes) {
    ShapeFn fn = shape_fn(node.op);
    if (!fn) throw Error("no shape function for op " + std::string(op_name(node.op)));
    std::vector<const TypeInfo*> in(node.inputs.size(), nullptr);
    std::vector<const Tensor*> values(node.inputs.size(), nullptr);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) continue;
      const Value& v = graph.value(node.inputs[i]);
      in[i] = &v.type;
      values[i] = v.data.get();
    }
    ShapeContext ctx{node, in, values};
    std::vector<TypeInfo> out = fn(ctx);
    if (out.size() < node.outputs.size()) ctx.fail("shape function returned too few outputs");
    for (size_t i = 0; i < node.outputs.size(); ++i) graph.value(node.outputs[i]).type = out[i];
  }
}

}  // namespace bertc::ir
