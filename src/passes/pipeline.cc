#include "passes/pipeline.h"

#include "ir/shape_infer.h"

namespace bertc::passes {

void optimize(ir::Graph& graph, const CompileOptions& options) {
  if (options.opt_level >= 1) {
    fold_constants(graph);
    graph.remove_dead();
  }
  ir::infer_shapes(graph);
}

}  // namespace bertc::passes
