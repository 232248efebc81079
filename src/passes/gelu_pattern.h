// The GELU subgraphs exporters emit (erf form: 0.5·y·(1 + erf(y / √2)); tanh form: 0.5·y·(1 +
// tanh(√(2/π)·(y + 0.044715·y³)))), as trees of Muls in any order: shared by fuse_dense (GELU in
// the GEMM epilogue) and fuse_gated_activation (ModernBERT's GeGLU).
#pragma once

#include <optional>
#include <vector>

#include "ir/op_attrs.h"
#include "passes/pattern.h"

namespace bertc::passes {

struct GeluTree {
  ir::DenseActivation kind;   // kGeluErf or kGeluTanh
  std::vector<int32_t> nodes;  // every node of the GELU
  ir::ValueId out;            // GELU(y)
};

// GELU(y) computed from y, its nodes replaceable together with the nodes in `group` (y's
// producer and whatever the caller replaces); nullopt when y feeds no GELU.
std::optional<GeluTree> gelu_tree(const GraphIndex& index, ir::ValueId y, const std::vector<int32_t>& group);

}  // namespace bertc::passes
