// Reference kernels of bertc's internal fused ops (contracts in ops.def), one file each:
// fused_dense.cc (and bertc.GatedActivation), fused_dense_int8.cc, fused_dense_bf16.cc,
// fused_layer_norm.cc, fused_attention.cc,
// fused_embed_layer_norm.cc; the family
// is registered by fused_kernels.cc. Plain scalar loops with double accumulation: the oracle
// the optimized kernels are tested against. They ignore attr fast_math (always exact).
#pragma once

#include "kernels/kernel.h"

namespace bertc::kernels::ref::fused {

void dense(const KernelCall& call);             // fused_dense.cc
void dense_int8(const KernelCall& call);        // fused_dense_int8.cc
void dense_bf16(const KernelCall& call);        // fused_dense_bf16.cc
void layer_norm(const KernelCall& call);        // fused_layer_norm.cc
void attention(const KernelCall& call);         // fused_attention.cc
void embed_layer_norm(const KernelCall& call);  // fused_embed_layer_norm.cc
void gated_activation(const KernelCall& call);  // fused_dense.cc

// bertc.Dense's activation (attr `activation`) of one value, exactly, in double:
// 0 identity, 1 GELU erf 0.5x(1+erf(x/sqrt2)), 2 GELU tanh
// 0.5x(1+tanh(sqrt(2/pi)(x+0.044715x^3))), 3 ReLU, 4 tanh.
double activation(ir::DenseActivation kind, double x);

// LayerNorm of one row of n values in place-free form: dst[k] = (z[k] - mean) / sqrt(var + eps)
// * gamma[k] + beta[k]; statistics in double. Shared by LayerNorm and EmbedLayerNorm.
void layer_norm_row(const float* z, const float* gamma, const float* beta, int64_t n,
                    double epsilon, float* dst);

}  // namespace bertc::kernels::ref::fused
