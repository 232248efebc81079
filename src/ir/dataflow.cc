#include "ir/dataflow.h"

#include <algorithm>

namespace bertc::ir {

std::vector<bool> computed_from(const Graph& graph, std::vector<bool> from) {
  for (const Node& node : graph.nodes) {
    if (node.op == Op::Shape || node.op == Op::Size) continue;
    const bool any = std::any_of(node.inputs.begin(), node.inputs.end(),
                                 [&](ValueId in) { return in != kNoValue && from[in]; });
    for (ValueId out : node.outputs) from[out] = from[out] || any;
  }
  return from;
}

}  // namespace bertc::ir
