// The second GEMM backend (`bertc compile --gemm onednn`, like the TVM post's -libs=cblas): a
// bertc.Dense node marked with attr gemm = "onednn" runs on oneDNN's matmul primitive (Debian's
// libdnnl) instead of bertc's own GEMM, on the same fused graph, so the two can be measured
// against each other in one run.
//
// What f32_dense_onednn does with Dense(X[..., K], W[K, N], bias?, residual?):
//   - W stays [K, N] row-major in the bundle (packed = 0); the first run of each token count M
//     creates a matmul primitive for src [M, K] (row-major), weights in the layout oneDNN
//     prefers (format any: its own blocked / packed layout), dst [M, N], and reorders W into
//     that layout once (kept for every later run and every M that wants the same layout);
//   - bias is the primitive's bias; activation 1 / 2 / 3 / 4 (GELU erf / GELU tanh / ReLU /
//     tanh) an eltwise post-op; the residual a sum post-op over dst (the residual is copied
//     into dst first), so Y = act(X·W + bias) + residual as ops.def defines it;
//   - oneDNN runs on its own OpenMP threads, as many as the session's pool has.
// Numerics are oneDNN's (its GELU is not bertc's fast-math approximation).
#pragma once

#include "ir/graph.h"
#include "kernels/kernel.h"

namespace bertc::kernels::onednn {

// The oneDNN backend (kernels/backends.h): its kernel for a bertc.Dense node marked gemm =
// "onednn", or a refusal (fn null, `refused` set) when W is not a float32 constant [K, N];
// declines every other node.
KernelChoice select_dense(const ir::Graph& graph, const ir::Node& node, cpu::Isa isa);

inline constexpr Backend kBackend{"onednn", &select_dense};

}  // namespace bertc::kernels::onednn
