// What a graph's values are computed from.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace bertc::ir {

// Per value: whether it is one of `from` (indexed by value) or computed from the contents of
// one of them. Shape and Size read only shapes, so dependence stops there. Nodes must be in
// topological order.
std::vector<bool> computed_from(const Graph& graph, std::vector<bool> from);

}  // namespace bertc::ir
