#include "bertc/error.h"
#include "kernels/ref/ref_kernels.h"
#include "runtime/program.h"

namespace bertc::runtime {
namespace {

// Values whose contents (not only shapes) are needed to plan: the value ports of every node,
// and everything they are computed from, except through Shape/Size which read only shapes.
std::vector<bool> values_needed_at_plan_time(const ir::Graph& graph) {
  std::vector<bool> needed(graph.values.size(), false);
  for (const ir::Node& node : graph.nodes) {
    uint32_t ports = ir::op_value_ports(node.op);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if ((ports >> i & 1) && node.inputs[i] != ir::kNoValue) needed[node.inputs[i]] = true;
    }
  }
  for (size_t n = graph.nodes.size(); n-- > 0;) {
    const ir::Node& node = graph.nodes[n];
    bool any = false;
    for (ir::ValueId out : node.outputs) any = any || needed[out];
    if (!any || node.op == ir::Op::Shape || node.op == ir::Op::Size) continue;
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue) needed[in] = true;
    }
  }
  return needed;
}

}  // namespace

Program lower(const ir::Graph& graph) {
  Program program;
  program.graph = &graph;
  for (const ir::Node& node : graph.nodes) {
    StepKernel k;
    k.fn = kernels::ref::kernel(node.op);
    if (!k.fn) {
      throw Error("no kernel for op " + std::string(ir::op_name(node.op)) + " (node '" +
                  node.name + "')");
    }
    k.inplace_ok = kernels::ref::inplace_ok(node.op);
    k.name = "ref";
    program.kernels.push_back(k);
  }
  std::vector<bool> needed = values_needed_at_plan_time(graph);
  for (ir::ValueId id : graph.inputs) program.input_keys_values.push_back(needed[id]);
  return program;
}

}  // namespace bertc::runtime
