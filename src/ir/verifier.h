// The IR verifier: checks the invariants every pass and the runtime rely on, and throws
// bertc::Error naming the first broken one (`where` says which stage produced the graph).
#pragma once

#include <string>

#include "ir/graph.h"

namespace bertc::ir {

// - every value id in range; every node input defined (graph input, constant, or an output of
//   an earlier node: nodes are in topological order); every value produced at most once;
// - graph inputs are neither constants nor produced by nodes; graph outputs are defined;
// - every op has a shape function; input checks name graph inputs.
void verify(const Graph& graph, const std::string& where);

}  // namespace bertc::ir
