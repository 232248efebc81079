#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bertc/error.h"
#include "cpu/cpu_features.h"
#include "kernels/onednn/dense_onednn.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/x86/select.h"
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

bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("BERTC_VERBOSE");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

// Per node: the x86 kernel that x86::select_kernel picks for cpu::active_isa() (BERTC_ISA caps
// it) — or oneDNN's for Dense nodes marked gemm = "onednn" — else the reference kernel; only
// the reference kernels when `reference_only`.
Program lower(const ir::Graph& graph, bool reference_only) {
  Program program;
  program.graph = &graph;
  const cpu::Isa isa = reference_only ? cpu::Isa::kRef : cpu::active_isa();
  const bool log = verbose();
  if (log) {
    std::fprintf(stderr, "bertc: dispatch: isa %s (detected %s), %zu nodes\n", cpu::isa_name(isa),
                 cpu::isa_name(cpu::detected_isa()), graph.nodes.size());
  }
  for (const ir::Node& node : graph.nodes) {
    StepKernel k;
    x86::KernelChoice choice = reference_only              ? x86::KernelChoice{}
                               : onednn::wants_onednn(node) ? onednn::select_dense(graph, node)
                                                            : x86::select_kernel(graph, node, isa);
    if (choice.fn) {
      k.fn = choice.fn;
      k.inplace_ok = choice.inplace_ok;
      k.name = choice.name;
      k.state = choice.state.get();
      program.states.push_back(std::move(choice.state));
    } else {
      k.fn = kernels::ref::kernel(node.op);
      if (!k.fn) {
        throw Error("no kernel for op " + std::string(ir::op_name(node.op)) + " (node '" +
                    node.name + "')");
      }
      k.inplace_ok = kernels::ref::inplace_ok(node.op);
      k.name = "ref";
    }
    if (log) {
      const std::string op(ir::op_name(node.op));
      if (!choice.refused.empty()) {
        std::fprintf(stderr, "bertc: dispatch: node '%s' (%s): refused: %s\n", node.name.c_str(),
                     op.c_str(), choice.refused.c_str());
      }
      std::fprintf(stderr, "bertc: dispatch: node '%s' (%s) -> %s\n", node.name.c_str(),
                   op.c_str(), k.name);
    }
    program.kernels.push_back(k);
  }
  std::vector<bool> needed = values_needed_at_plan_time(graph);
  for (ir::ValueId id : graph.inputs) program.input_keys_values.push_back(needed[id]);
  program.packing = find_packing_region(graph);
  if (log) {
    if (program.packing.packable()) {
      const auto nodes = std::count(program.packing.node_in_region.begin(),
                                    program.packing.node_in_region.end(), true);
      std::fprintf(stderr, "bertc: packing: %ld of %zu nodes run on real tokens only (mask: input '%s')\n",
                   static_cast<long>(nodes), graph.nodes.size(),
                   graph.value(graph.inputs[program.packing.mask_input]).name.c_str());
    } else {
      std::fprintf(stderr, "bertc: packing: off, padded batches run padded: %s\n",
                   program.packing.refused.c_str());
    }
  }
  return program;
}

}  // namespace bertc::runtime
