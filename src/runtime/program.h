// Program: a graph lowered for execution — one kernel choice per node, plus what the planner
// must know: which graph inputs' values (not just shapes) decide the shapes downstream.
#pragma once

#include <memory>
#include <vector>

#include "ir/graph.h"
#include "kernels/kernel.h"
#include "runtime/packing.h"

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
  PackingRegion packing;  // what can run on real tokens only
  std::vector<std::shared_ptr<const void>> states;
};

// BERTC_VERBOSE=1 (any value but "" and "0"): lowering prints the kernel chosen for every node
// and why an optimized kernel refused (like ONEDNN_VERBOSE=dispatch), and what runs packed;
// sessions say why a batch runs padded. All on stderr.
bool verbose();

// Lowers `graph` (which must outlive the program): picks a kernel for every node (the
// reference kernels only when `reference_only`: a model compiled at -O0) and finds its packing
// region.
Program lower(const ir::Graph& graph, bool reference_only = false);

}  // namespace bertc::runtime
