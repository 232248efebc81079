// The pass pipeline per optimization level:
//   -O0  the imported graph as is, on reference kernels
//   -O1  + constant folding, dead-code removal
//   -O2, -O3  + (see pipeline.cc)
#pragma once

#include "bertc/session.h"
#include "ir/graph.h"

namespace bertc::passes {

void optimize(ir::Graph& graph, const CompileOptions& options);

// Individual passes (one per file).
// Evaluates every node whose inputs are all constants; its outputs become constants.
void fold_constants(ir::Graph& graph);
// Fills graph.input_checks (token id ranges, mask values, maximum sequence length).
void derive_input_checks(ir::Graph& graph);

}  // namespace bertc::passes
