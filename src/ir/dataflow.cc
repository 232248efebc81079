#include "ir/dataflow.h"

#include <algorithm>

namespace bertc::ir {

std::vector<bool> computed_from(const Graph& graph, std::vector<bool> from) {
  for (const Node& node : graph.nodes) {
    if (op_reads_only_shapes(node.op)) continue;
    const bool any = std::any_of(node.inputs.begin(), node.inputs.end(),
                                 [&](ValueId in) { return in != kNoValue && from[in]; });
    for (ValueId out : node.outputs) from[out] = from[out] || any;
  }
  return from;
}

std::vector<bool> values_needed_for_shapes(const Graph& graph) {
  std::vector<bool> needed(graph.values.size(), false);
  for (const Node& node : graph.nodes) {
    const uint32_t ports = op_value_ports(node.op);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if ((ports >> i & 1) && node.inputs[i] != kNoValue) needed[node.inputs[i]] = true;
    }
  }
  for (size_t n = graph.nodes.size(); n-- > 0;) {
    const Node& node = graph.nodes[n];
    const bool any = std::any_of(node.outputs.begin(), node.outputs.end(),
                                 [&](ValueId out) { return needed[out]; });
    if (!any || op_reads_only_shapes(node.op)) continue;
    for (ValueId in : node.inputs) {
      if (in != kNoValue) needed[in] = true;
    }
  }
  return needed;
}

}  // namespace bertc::ir
