#include "passes/pattern.h"

#include <algorithm>
#include <cmath>

#include "bertc/error.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::passes {

GraphIndex::GraphIndex(const ir::Graph& graph)
    : g(graph), users(graph.consumers()), is_output(graph.values.size(), false) {
  for (ir::ValueId id : graph.outputs) is_output[id] = true;
}

const ir::Node* GraphIndex::producer(ir::ValueId v) const {
  if (v == ir::kNoValue) return nullptr;
  const ir::Value& value = g.value(v);
  if (value.is_constant() || value.producer < 0) return nullptr;
  return &g.nodes[static_cast<size_t>(value.producer)];
}

const ir::Node* GraphIndex::producer_if(ir::ValueId v, ir::Op op) const {
  const ir::Node* node = producer(v);
  return node && node->op == op ? node : nullptr;
}

bool GraphIndex::single_use(ir::ValueId v) const {
  return v != ir::kNoValue && users[v].size() == 1 && !is_output[v];
}

const Tensor* constant(const ir::Graph& g, ir::ValueId v) {
  if (v == ir::kNoValue) return nullptr;
  return g.value(v).data.get();
}

std::optional<ir::SliceRange> last_axis_slice(const ir::Graph& g, const ir::Node& slice) {
  if (slice.op != ir::Op::Slice || slice.inputs.size() < 3) return std::nullopt;
  const ir::Shape& shape = g.value(slice.inputs[0]).type.shape;
  if (shape.empty() || !shape.back().is_known()) return std::nullopt;
  // Inputs 1..4 (starts, ends, axes?, steps?): each present one must be a constant.
  std::vector<int64_t> params[5];
  for (size_t i = 1; i < 5; ++i) {
    if (!slice.has_input(i)) continue;
    const Tensor* t = constant(g, slice.inputs[i]);
    if (!t) return std::nullopt;
    params[i] = t->to_int64_vector();
  }
  const int64_t rank = static_cast<int64_t>(shape.size());
  try {
    const ir::SliceArgs args =
        ir::slice_args(ir::OpAttrs(slice), rank, params[1], params[2], slice.has_input(3) ? &params[3] : nullptr,
                       slice.has_input(4) ? &params[4] : nullptr);
    if (args.axes != std::vector<int64_t>{rank - 1} || args.steps != std::vector<int64_t>{1}) return std::nullopt;
    return ir::slice_range(shape.back().value, args.starts[0], args.ends[0], 1);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<double> scalar_constant(const ir::Graph& g, ir::ValueId v) {
  const Tensor* t = constant(g, v);
  if (!t || t->numel() != 1) return std::nullopt;
  switch (t->dtype()) {
    case DType::kF32:
      return static_cast<double>(t->data<float>()[0]);
    case DType::kF64:
      return t->data<double>()[0];
    case DType::kBool:
      return std::nullopt;
    default:
      return static_cast<double>(t->to_int64_vector()[0]);
  }
}

bool is_scalar_constant(const ir::Graph& g, ir::ValueId v, double want, double rel_tol) {
  std::optional<double> x = scalar_constant(g, v);
  return x && std::fabs(*x - want) <= rel_tol * std::max(1.0, std::fabs(want));
}

std::optional<std::vector<float>> float_constant(const ir::Graph& g, ir::ValueId v) {
  const Tensor* t = constant(g, v);
  if (!t || t->dtype() != DType::kF32) return std::nullopt;
  return std::vector<float>(t->data<float>(), t->data<float>() + t->numel());
}

bool same_shape(const ir::Shape& a, const ir::Shape& b) {
  if (a.size() != b.size()) return false;
  for (size_t d = 0; d < a.size(); ++d) {
    if (!a[d].same_as(b[d])) return false;
  }
  return true;
}

ir::ValueId other_input(const ir::Node& node, ir::ValueId v) {
  if (node.inputs.size() != 2) return ir::kNoValue;
  if (node.inputs[0] == v && node.inputs[1] != v) return node.inputs[1];
  if (node.inputs[1] == v && node.inputs[0] != v) return node.inputs[0];
  return ir::kNoValue;
}

std::set<std::string> dense_layer_names(const ir::Graph& g, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const auto is_it = [&](const ir::Node& n) { return n.op == ir::Op::Dense && n.name == name; };
    if (std::none_of(g.nodes.begin(), g.nodes.end(), is_it)) {
      throw Error("fp32 layer '" + name + "' is not a Dense layer of this model (bertc inspect lists them)");
    }
  }
  return {names.begin(), names.end()};
}

bool can_replace(const GraphIndex& index, const std::vector<int32_t>& group,
                 const std::vector<ir::ValueId>& kept) {
  const ir::Graph& g = index.g;
  // Nodes that are dead once the group is gone: the group, and (scanning backwards, users
  // before producers) every node whose outputs are read only by such nodes.
  std::vector<bool> dying(g.nodes.size(), false);
  for (int32_t n : group) dying[n] = true;
  for (size_t n = g.nodes.size(); n-- > 0;) {
    if (dying[n]) continue;
    bool all = true;
    for (ir::ValueId out : g.nodes[n].outputs) {
      if (index.is_output[out]) all = false;
      for (int32_t u : index.users[out]) all = all && dying[u];
      if (std::find(kept.begin(), kept.end(), out) != kept.end()) all = false;
    }
    dying[n] = all;  // (a node that is dead already counts as dying too)
  }
  for (int32_t n : group) {
    for (ir::ValueId out : g.nodes[n].outputs) {
      if (std::find(kept.begin(), kept.end(), out) != kept.end()) continue;
      if (index.is_output[out]) return false;
      for (int32_t u : index.users[out]) {
        if (!dying[u]) return false;
      }
    }
  }
  return true;
}

void apply_rewrite(ir::Graph& g, std::vector<int32_t> group, std::vector<ir::Node> added) {
  if (group.empty()) throw Error("internal error: empty rewrite");
  const int32_t at = *std::max_element(group.begin(), group.end());
  std::vector<bool> drop(g.nodes.size(), false);
  for (int32_t n : group) drop[n] = true;
  std::vector<ir::Node> nodes;
  nodes.reserve(g.nodes.size() + added.size());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (static_cast<int32_t>(n) == at) {
      for (ir::Node& node : added) nodes.push_back(std::move(node));
    }
    if (!drop[n]) nodes.push_back(std::move(g.nodes[n]));
  }
  g.nodes = std::move(nodes);
  for (ir::Value& v : g.values) v.producer = -1;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (ir::ValueId out : g.nodes[n].outputs) g.value(out).producer = static_cast<int32_t>(n);
  }
  // Types of the added nodes' outputs, from their (already typed) inputs.
  for (ir::Node& node : g.nodes) {
    bool fresh = false;
    for (ir::ValueId out : node.outputs) fresh = fresh || g.value(out).type.dtype == DType{};
    if (!fresh) continue;
    std::vector<const ir::TypeInfo*> in(node.inputs.size(), nullptr);
    std::vector<const Tensor*> values(node.inputs.size(), nullptr);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == ir::kNoValue) continue;
      in[i] = &g.value(node.inputs[i]).type;
      values[i] = g.value(node.inputs[i]).data.get();
    }
    std::vector<ir::TypeInfo> out = ir::shape_fn(node.op)(ir::ShapeContext{node, in, values});
    for (size_t i = 0; i < node.outputs.size(); ++i) g.value(node.outputs[i]).type = out[i];
  }
  g.remove_dead();
}

std::optional<ConstantEvaluation> evaluate_constant_node(const ir::Graph& g, const ir::Node& node) {
  std::vector<const ir::TypeInfo*> types;
  std::vector<const Tensor*> src;
  for (ir::ValueId in : node.inputs) {
    if (in != ir::kNoValue && !g.value(in).is_constant()) return std::nullopt;
    types.push_back(in == ir::kNoValue ? nullptr : &g.value(in).type);
    src.push_back(in == ir::kNoValue ? nullptr : g.value(in).data.get());
  }
  ConstantEvaluation result;
  result.types = ir::shape_fn(node.op)(ir::ShapeContext{node, types, src});
  result.values = kernels::ref::evaluate(node, src, result.types);
  return result;
}

ir::Node make_node(ir::Op op, std::string name, std::vector<ir::ValueId> inputs,
                   std::vector<ir::ValueId> outputs, ir::Attrs attrs) {
  return ir::Node{op, std::move(name), std::move(inputs), std::move(outputs), std::move(attrs)};
}

ir::ValueId new_value(ir::Graph& g, const std::string& base) {
  return g.add_value(g.unique_name(base));
}

ir::ValueId new_constant(ir::Graph& g, const std::string& base, Tensor data) {
  return g.add_constant(g.unique_name(base), std::move(data));
}

ir::ValueId reuse_or_new_constant(ir::Graph& g, ir::ValueId original, Tensor data) {
  const Tensor* t = constant(g, original);
  if (t && t->dtype() == data.dtype() && t->shape() == data.shape()) return original;
  return new_constant(g, g.value(original).name, std::move(data));
}

}  // namespace bertc::passes
