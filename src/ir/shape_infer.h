// Shape inference: one shape function per op (src/ir/shape_*.cc) computes its outputs' dtypes
// and shapes from its inputs' types and, for value ports (ops.def), their values. The same
// function runs at compile time on symbolic shapes and at plan time on concrete ones.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::ir {

struct ShapeContext {
  const Node& node;
  std::span<const TypeInfo* const> in;      // nullptr for an omitted optional input
  std::span<const Tensor* const> in_value;  // the value when known, else nullptr

  size_t num_inputs() const { return in.size(); }
  bool has_input(size_t i) const { return i < in.size() && in[i] != nullptr; }
  // Input i's type; fails when it is absent.
  const TypeInfo& input(size_t i) const;
  // Input i's value, or nullptr when unknown (or absent).
  const Tensor* value(size_t i) const { return i < in_value.size() ? in_value[i] : nullptr; }
  size_t num_outputs() const { return node.outputs.size(); }
  // Throws bertc::Error "node 'NAME' (OP): MESSAGE".
  [[noreturn]] void fail(const std::string& message) const;
};

using ShapeFn = std::vector<TypeInfo> (*)(const ShapeContext&);

// The op's shape function, as its row of ops.def names it.
ShapeFn shape_fn(Op op);

// Shared helpers for shape functions.
// Numpy-style broadcast of two shapes; fails with the context's node name when incompatible.
Shape broadcast_shapes(const ShapeContext& ctx, const Shape& a, const Shape& b);
// Normalizes a possibly negative axis for a given rank; fails when out of range.
int64_t normalize_axis(const ShapeContext& ctx, int64_t axis, int64_t rank);

// Computes a node's outputs from known inputs (the reference kernels provide it; ir does not
// depend on kernels, so callers pass kernels::ref::evaluate).
using ValueEvaluator = std::vector<Tensor> (*)(const Node& node, std::span<const Tensor* const> src,
                                               const std::vector<TypeInfo>& out_types);

// Runs every node's shape function in order and stores the outputs' types on the graph,
// using constant values where a value port needs one. With an evaluator it also propagates
// small integer values (shape arithmetic: Shape of a fully known shape, and ops on such
// values), like ONNX's data propagation, so a Reshape whose target is computed from known
// dims gets a known rank and dims. Throws on the first inconsistency.
void infer_shapes(Graph& graph, ValueEvaluator evaluator = nullptr);

}  // namespace bertc::ir
