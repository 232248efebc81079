#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {

void fold_constants(ir::Graph& graph) {
  std::vector<ir::Node> kept;
  for (ir::Node& node : graph.nodes) {
    std::optional<ConstantEvaluation> folded = evaluate_constant_node(graph, node);
    if (!folded) {
      kept.push_back(std::move(node));
      continue;
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      ir::Value& v = graph.value(node.outputs[i]);
      v.type = folded->types[i];
      v.data = std::make_shared<const Tensor>(std::move(folded->values[i]));
      v.producer = -1;
    }
  }
  graph.nodes = std::move(kept);
  graph.sort_topologically();
}

}  // namespace bertc::passes
