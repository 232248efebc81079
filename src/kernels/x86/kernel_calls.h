// KernelCall adapters of the x86 kernels (portable): each unpacks a KernelCall, checks what
// the kernel relies on (dtypes, shapes, index ranges — a bad call throws bertc::Error naming
// the node, never reads out of bounds) and calls the ISA entry point of kernels_x86.h named by
// its state. Each state is the node's typed attributes (ir/op_attrs.h) extended with the ISA
// entry point; select.cc builds them at lowering and they live in the Program.
#pragma once

#include <memory>
#include <string>

#include "cpu/cpu_features.h"
#include "kernels/kernel.h"
#include "kernels/x86/bgemm.h"
#include "kernels/x86/gemm.h"
#include "kernels/x86/kernels_x86.h"
#include "kernels/x86/qgemm.h"

namespace bertc::kernels::x86 {

using LayerNormFn = void (*)(const LayerNormArgs&, cpu::ThreadPool*);
using EmbedLayerNormFn = void (*)(const EmbedLayerNormArgs&, cpu::ThreadPool*);
using AttentionFn = void (*)(const AttentionArgs&, cpu::ThreadPool*);
using SoftmaxFn = void (*)(const float*, float*, int64_t, int64_t, bool, cpu::ThreadPool*);
using ActivationFn = void (*)(Activation, const float*, const float*, float*, int64_t, bool);

// bertc.LayerNorm and ONNX LayerNormalization (last axis, 1-D Scale and B): src X, gamma,
// beta, skip?; dst Y (may alias X).
struct LayerNormState : ir::OpAttrs {
  LayerNormFn fn;
  float epsilon;
};
void f32_layer_norm_call(const KernelCall& call);

// bertc.EmbedLayerNorm (ops.def): negative ids count from the end of their table (as ONNX
// Gather and the reference kernel); any id outside [-rows, rows) throws naming the table.
struct EmbedLayerNormState : ir::EpsilonAttrs {
  EmbedLayerNormFn fn;
  std::string word_name, type_name, position_name;  // table value names, for errors
};
void f32_embed_layer_norm_call(const KernelCall& call);

// bertc.Attention: src QKV [B, S, 3*NH*D], bias [B, S]; dst [B, S, NH*D].
struct AttentionState : ir::AttentionAttrs {
  AttentionFn fn;
};
void f32_attention_call(const KernelCall& call);

// bertc.GatedActivation with GELU (erf form): src X [..., 2F]; dst [..., F] = GELU(X[..., :F]) ·
// X[..., F:], the GELU with the GEMM epilogue's numerics (gemm_gelu: fast or exact); rows split
// over the pool.
struct GatedGeluState : ir::GatedActivationAttrs {
  cpu::Isa isa;
};
void f32_gated_gelu_call(const KernelCall& call);

// What bertc.Dense, bertc.DenseInt8 and bertc.DenseBf16 do after the product: GELU (erf) in the GEMM epilogue,
// any other activation in a second pass that also adds the residual.
struct DenseActivationPlan {
  GemmActivation gemm_activation;  // done in the GEMM epilogue
  Activation post;                 // kNone, or done in a second pass (with the residual)
  ActivationFn post_fn;
};

// bertc.Dense: src X [..., K], W (packed; or `packed` below when the node's W is [K, N]),
// bias?, residual?; dst [..., N].
struct DenseState : ir::OpAttrs {
  cpu::Isa isa;
  int64_t k, n;
  DenseActivationPlan act;
  std::shared_ptr<const float> packed;  // W packed at load time, or null: use src[1]
};
void f32_dense_call(const KernelCall& call);

// bertc.DenseInt8: src X [..., K], Wq (packed int8), w_scale [N], bias?, residual?, x_scale?;
// dst [..., N].
struct DenseInt8State : ir::OpAttrs {
  QGemmKernel kernel;
  int64_t k, n;
  DenseActivationPlan act;
};
void s8_dense_call(const KernelCall& call);

// bertc.DenseBf16: src X [..., K], Wb (packed bf16 pairs), bias?, residual?; dst [..., N].
struct DenseBf16State : ir::OpAttrs {
  int64_t k, n;
  DenseActivationPlan act;
};
void bf16_dense_call(const KernelCall& call);

// Softmax over the last axis: src X; dst Y (may alias X).
struct SoftmaxState : ir::OpAttrs {
  SoftmaxFn fn;
};
void f32_softmax_call(const KernelCall& call);

// Relu / Erf / Tanh: src X; dst Y (may alias X).
struct ActivationState : ir::OpAttrs {
  ActivationFn fn;
  Activation act;
};
void f32_activation_call(const KernelCall& call);

}  // namespace bertc::kernels::x86
