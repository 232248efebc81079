#include "ir/shape_infer.h"

#include <array>
#include <mutex>

#include "bertc/error.h"
#include "ir/shape_fns.h"

namespace bertc::ir {

const TypeInfo& ShapeContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required but absent");
  return *in[i];
}

void ShapeContext::fail(const std::string& message) const {
  throw Error("node '" + node.name + "' (" + std::string(op_name(node.op)) + "): " + message);
}

ShapeFn shape_fn(Op op) {
  static constexpr std::array<ShapeFn, kNumOps> kTable = {
#define BERTC_OP(name, str, ports, shapes_only, attrs, shape, kernel, in_place) &shapes::shape,
#include "ir/ops.def"
#undef BERTC_OP
  };
  return kTable[static_cast<size_t>(op)];
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

namespace {

// Whether a node's integer outputs are small enough to be worth propagating at compile time.
bool propagatable(const std::vector<TypeInfo>& out) {
  for (const TypeInfo& t : out) {
    if (t.dtype != DType::kI64 && t.dtype != DType::kI32) return false;
    if (!shape_is_known(t.shape) || dims_numel(shape_values(t.shape)) > 64) return false;
  }
  return !out.empty();
}

}  // namespace

void infer_shapes(Graph& graph, ValueEvaluator evaluator) {
  std::vector<std::shared_ptr<const Tensor>> propagated(graph.values.size());
  for (Node& node : graph.nodes) {
    ShapeFn fn = shape_fn(node.op);
    if (!fn) throw Error("no shape function for op " + std::string(op_name(node.op)));
    std::vector<const TypeInfo*> in(node.inputs.size(), nullptr);
    std::vector<const Tensor*> values(node.inputs.size(), nullptr);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == kNoValue) continue;
      const Value& v = graph.value(node.inputs[i]);
      in[i] = &v.type;
      values[i] = v.data ? v.data.get() : propagated[node.inputs[i]].get();
    }
    ShapeContext ctx{node, in, values};
    std::vector<TypeInfo> out = fn(ctx);
    if (out.size() < node.outputs.size()) ctx.fail("shape function returned too few outputs");
    for (size_t i = 0; i < node.outputs.size(); ++i) graph.value(node.outputs[i]).type = out[i];
    if (!evaluator || !propagatable(out)) continue;
    bool shape_only = op_reads_only_shapes(node.op);
    std::vector<Tensor> shape_views;
    shape_views.reserve(values.size());
    bool ready = true;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] || !in[i]) continue;
      if (!shape_only || !shape_is_known(in[i]->shape)) {
        ready = false;
        break;
      }
      shape_views.push_back(Tensor::view(in[i]->dtype, shape_values(in[i]->shape), nullptr));
      values[i] = &shape_views.back();
    }
    if (!ready) continue;
    std::vector<Tensor> results = evaluator(node, values, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      propagated[node.outputs[i]] = std::make_shared<const Tensor>(std::move(results[i]));
    }
  }
}

}  // namespace bertc::ir
