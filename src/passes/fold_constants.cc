#include "kernels/ref/ref_kernels.h"
#include "ir/shape_infer.h"
#include "passes/passes.h"

namespace bertc::passes {

void fold_constants(ir::Graph& graph) {
  std::vector<ir::Node> kept;
  for (ir::Node& node : graph.nodes) {
    bool all_constant = true;
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && !graph.value(in).is_constant()) all_constant = false;
    }
    if (!all_constant) {
      kept.push_back(std::move(node));
      continue;
    }
    std::vector<const ir::TypeInfo*> types;
    std::vector<const Tensor*> src;
    for (ir::ValueId in : node.inputs) {
      types.push_back(in == ir::kNoValue ? nullptr : &graph.value(in).type);
      src.push_back(in == ir::kNoValue ? nullptr : graph.value(in).data.get());
    }
    std::vector<ir::TypeInfo> out = ir::shape_fn(node.op)(ir::ShapeContext{node, types, src});
    std::vector<Tensor> results = kernels::ref::evaluate(node, src, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      ir::Value& v = graph.value(node.outputs[i]);
      v.type = out[i];
      v.data = std::make_shared<const Tensor>(std::move(results[i]));
      v.producer = -1;
    }
  }
  graph.nodes = std::move(kept);
  graph.sort_topologically();
}

}  // namespace bertc::passes
