#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bertc/error.h"
#include "cpu/cpu_features.h"
#include "ir/dataflow.h"
#include "kernels/backends.h"
#include "runtime/program.h"

namespace bertc::runtime {

bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("BERTC_VERBOSE");
    return v != nullptr && v[0] != '\0' && std::strcmp(v, "0") != 0;
  }();
  return on;
}

Program lower(const ir::Graph& graph, bool reference_only) {
  Program program;
  program.graph = &graph;
  const cpu::Isa isa = reference_only ? cpu::Isa::kRef : cpu::active_isa();
  const bool log = verbose();
  if (log) {
    std::fprintf(stderr, "bertc: dispatch: isa %s (detected %s), %zu nodes\n", cpu::isa_name(isa),
                 cpu::isa_name(cpu::detected_isa()), graph.nodes.size());
  }
  const std::span<const kernels::Backend> backends = kernels::backends(reference_only);
  for (const ir::Node& node : graph.nodes) {
    const std::string op(ir::op_name(node.op));
    kernels::KernelChoice choice;
    std::string refused;
    for (const kernels::Backend& backend : backends) {
      choice = backend.select(graph, node, isa);
      if (choice.fn) break;
      if (refused.empty()) refused = choice.refused;
      if (log && !choice.refused.empty()) {
        std::fprintf(stderr, "bertc: dispatch: node '%s' (%s): %s refused: %s\n",
                     node.name.c_str(), op.c_str(), backend.name, choice.refused.c_str());
      }
    }
    // bf16 only pays on the CPUs with a bf16 dot instruction: elsewhere it is an error, never a
    // silent slow run on the reference kernel (which BERTC_ISA=ref asks for explicitly).
    if (node.op == ir::Op::DenseBf16 && isa != cpu::Isa::kRef && !refused.empty()) {
      throw Error("layer '" + node.name + "' is bf16 (--precision bf16), and " + refused +
                  ": compile the model with --precision fp32 or int8 for this CPU (BERTC_ISA=ref runs bf16 on the slow "
                  "reference kernels)");
    }
    if (log) {
      std::fprintf(stderr, "bertc: dispatch: node '%s' (%s) -> %s\n", node.name.c_str(),
                   op.c_str(), choice.name);
    }
    program.kernels.push_back(std::move(choice));
  }
  std::vector<bool> needed = ir::values_needed_for_shapes(graph);
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
