// The x86 backend (kernels/backends.h): given a node and an ISA, the best optimized kernel for
// it, or the reason why none applies (portable file: no intrinsics). Lowering asks it for every
// node with cpu::active_isa() and falls back to the next backend when `fn` is null.
//
// What is chosen (ISA = avx512 or avx2; Isa::kRef never gets an x86 kernel):
//   bertc.Dense            f32_dense_gemm_<isa>: x86::gemm_run_isa on the packed W (W packed
//                          at load time into the state when attr packed = 0), bias and GELU
//                          (activation 1) in the GEMM epilogue; activations 2-4 in a second
//                          vectorized pass (f32_activation_<isa>) together with the residual.
//                          Refuses: W not a constant, a non-float32 operand.
//   bertc.LayerNorm        f32_layer_norm_<isa> (in place allowed)
//   LayerNormalization     f32_layer_norm_<isa> when it normalizes the last axis only with 1-D
//                          Scale and B and has no Mean / InvStdDev outputs
//   bertc.Attention        f32_attention_<isa> (attrs num_heads, scale, fast_math)
//   bertc.EmbedLayerNorm   f32_embed_layer_norm_<isa> (ids validated before any table read)
//   Softmax                f32_softmax_<isa> over the last axis (attr fast_math, default 0)
//   Relu                   f32_relu_<isa>; Erf / Tanh: f32_erf_<isa> / f32_tanh_<isa> only
//                          with attr fast_math = 1 (exact erf/tanh are scalar either way)
// Every kernel re-checks at run time what it relies on (dtypes, shapes, ranges) and throws
// bertc::Error naming the node, so a bad plan can never read out of bounds.
#pragma once

#include "cpu/cpu_features.h"
#include "ir/graph.h"
#include "kernels/kernel.h"

namespace bertc::kernels::x86 {

// The kernel for `node` (a node of `graph`) on `isa`. Never throws for a well-formed node:
// anything unexpected becomes a refusal. An ISA the CPU lacks is refused too.
KernelChoice select_kernel(const ir::Graph& graph, const ir::Node& node, cpu::Isa isa);

inline constexpr Backend kBackend{"x86", &select_kernel};

}  // namespace bertc::kernels::x86
