// Program: a graph lowered for execution — one kernel choice per node, plus what the planner
// must know: which graph inputs' values (not just shapes) decide the shapes downstream.
#pragma once

#include <memory>
#include <vector>

#include "ir/graph.h"
#include "kernels/kernel.h"

namespace bertc::runtime {

struct StepKernel {
  kernels::KernelFn fn = nullptr;
  const void* state = nullptr;  // owned by Program::states
  bool inplace_ok = false;      // dst[0] may alias src[0]
  const char* name = "";        // kernel name for profiles and BERTC_VERBOSE
};

struct Program {
  const ir::Graph* graph = nullptr;  // not owned
  std::vector<StepKernel> kernels;   // one per graph node
  // Per graph input: its values decide shapes, so a plan is keyed on them too.
  std::vector<bool> input_keys_values;
  std::vector<std::shared_ptr<const void>> states;
};

// Lowers `graph` (which must outlive the program): picks a kernel for every node.
Program lower(const ir::Graph& graph);

}  // namespace bertc::runtime
