// What a graph's values are computed from, and which values must be known to plan shapes: the
// one analysis of "reads only shapes" (ops.def's shapes_only) that the input checks, the
// packing analysis, lowering and planning share. Nodes must be in topological order.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace bertc::ir {

// Per value: whether it is one of `from` (indexed by value) or computed from the contents of
// one of them. Ops that read only shapes (Shape, Size) stop the dependence.
std::vector<bool> computed_from(const Graph& graph, std::vector<bool> from);

// Per value: whether its contents (not only its shape) are needed to plan shapes — the value
// ports of every node (ops.def), and everything they are computed from, except through ops
// that read only shapes.
std::vector<bool> values_needed_for_shapes(const Graph& graph);

}  // namespace bertc::ir
