// The floating-point work of one run of a planned shape, for "GFLOP/s" and "% of peak":
// 2 per multiply-add of the matrix products — bertc.Dense, MatMul, Gemm (M·N·K each) and
// bertc.Attention (Q·Kᵀ and P·V: 2 · B · NH · S² · D each) — which are > 99% of a BERT
// encoder's arithmetic. Elementwise ops, softmax and normalization are not counted. A packed
// plan counts its real tokens only, each sequence's attention over its own length.
#pragma once

#include "runtime/plan.h"

namespace bertc::runtime {

double plan_flops(const ir::Graph& graph, const Plan& plan);

}  // namespace bertc::runtime
