// Program: a graph lowered for execution — one compiled kernel per node (function pointer plus
// typed attributes), plus what the planner must know: which graph inputs' values (not just
// shapes) decide the shapes downstream, and what can run packed.
#pragma once

#include <memory>
#include <vector>

#include "ir/graph.h"
#include "kernels/kernel.h"
#include "runtime/packing.h"

namespace bertc::runtime {

struct Program {
  const ir::Graph* graph = nullptr;  // not owned
  std::vector<kernels::KernelChoice> kernels;  // one per graph node, from kernels/backends.h
  // Per graph input: its values decide shapes, so a plan is keyed on them too.
  std::vector<bool> input_keys_values;
  PackingRegion packing;  // what can run on real tokens only
};

// BERTC_VERBOSE=1 (any value but "" and "0"): lowering prints the kernel chosen for every node
// and why an optimized kernel refused (like ONEDNN_VERBOSE=dispatch), and what runs packed;
// sessions say why a batch runs padded. All on stderr.
bool verbose();

// Lowers `graph` (which must outlive the program): compiles every node's kernel from the first
// backend that takes it (kernels/backends.h; the reference kernels only when `reference_only`:
// a model compiled at -O0) and finds its packing region.
Program lower(const ir::Graph& graph, bool reference_only = false);

}  // namespace bertc::runtime
