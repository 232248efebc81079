// Human-readable dumps of a graph, for `bertc inspect` and BERTC_VERBOSE.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace bertc::ir {

// One line per node: "%out: float32[batch, seq, 768] = Add(%a, %b) {attrs}".
std::string graph_to_string(const Graph& graph);
// How many nodes of each op the graph has.
std::map<std::string, int> op_histogram(const Graph& graph);
// Bytes held by constants.
size_t constant_bytes(const Graph& graph);

}  // namespace bertc::ir
