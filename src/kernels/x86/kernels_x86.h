// The optimized x86 kernels of bertc's fused ops (and a few ONNX ops), one entry point per op
// and ISA, on raw pointers. The KernelCall adapters (kernels_x86.cc) and the selection logic
// (select.h) sit on top; tests and benchmarks may call these directly.
//
// Naming: f32_<op>_<isa>, defined in f32_<op>_<isa>.cc (compiled with that ISA's flags). The
// AVX-512 and AVX2 variants share their templates (*_impl.h) over a vector type (simd_*.h).
// Calling a variant the CPU lacks is undefined: check cpu::isa_supported first (select.cc
// does). All pointers are float32, C-order, any alignment unless stated; `pool` may be null
// (calling thread only).
#pragma once

#include <cstdint>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"

namespace bertc::kernels::x86 {

// ---- exp ---------------------------------------------------------------------------------
// Vectorized exp, the one every kernel here uses (attention, softmax, tanh):
//   fast (fast_math = 1): Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, then the
//     Cephes degree-7 polynomial (1 + r + r^2 P5(r)) evaluated in float with FMA, scaled by
//     2^n. Max relative error over normal results 8.4e-8 (~1.4 ulp) measured over every 7th
//     float in [-87, 88] (320M values); bound kExpFastMaxRelError tested; results below
//     exp(-87) flush to 0 on AVX2 (AVX-512 keeps subnormals down to exp(-103)).
//   precise (fast_math = 0): the same reduction and a degree-11 Taylor polynomial evaluated
//     in double, rounded once to float: within 0.5 ulp + 1e-12 relative (correctly rounded but
//     for rare near-ties; 5.96e-8 measured on the same 320M values), kExpPreciseMaxRelError
//     tested. About 2-3x slower than fast.
// Both: exp(-inf) = 0, exp(+inf) = inf, NaN propagates. dst may equal src.
inline constexpr float kExpFastMaxRelError = 1.5e-7f;
inline constexpr float kExpPreciseMaxRelError = 6.5e-8f;  // 0.5 ulp of float = 5.96e-8
void f32_exp_avx512(const float* src, float* dst, int64_t n, bool fast_math);
void f32_exp_avx2(const float* src, float* dst, int64_t n, bool fast_math);

// ---- layer norm --------------------------------------------------------------------------
// y[r, :] = (z - mean(z)) / sqrt(var(z) + epsilon) * gamma + beta,  z = x[r, :] (+ skip[r, :])
// for rows r in [0, rows), row length hidden (>= 1), row stride hidden. Statistics are
// two-pass (mean, then the mean of squared deviations) in float over the row, which is in L1
// after the first pass. skip may be null. y may equal x (in place), but must not partially
// overlap x, and must not overlap skip, gamma or beta. Rows are split over `pool`.
struct LayerNormArgs {
  const float* x = nullptr;
  const float* skip = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* y = nullptr;
  int64_t rows = 0, hidden = 0;
  float epsilon = 1e-5f;
};
void f32_layer_norm_avx512(const LayerNormArgs& args, cpu::ThreadPool* pool);
void f32_layer_norm_avx2(const LayerNormArgs& args, cpu::ThreadPool* pool);

// ---- embedding + layer norm --------------------------------------------------------------
// For every token t in [0, tokens): z = (word[word_ids[t]] + type[type_ids[t]]) +
// position[pos_ids[t]] (float32, this order; the type / position term absent when type /
// position is null), then
// y[t, :] = LayerNorm(z) as above. The *_ids arrays hold row indices ALREADY VALIDATED to lie
// in [0, rows of their table) (f32_embed_layer_norm in kernels_x86.cc checks and normalizes
// them); tables are [rows, hidden] row-major. y must not overlap any input.
struct EmbedLayerNormArgs {
  const int64_t* word_ids = nullptr;
  const int64_t* type_ids = nullptr;  // null when type is null
  const int64_t* pos_ids = nullptr;
  const float* word = nullptr;
  const float* type = nullptr;
  const float* position = nullptr;
  const float* gamma = nullptr;
  const float* beta = nullptr;
  float* y = nullptr;
  int64_t tokens = 0, hidden = 0;
  float epsilon = 1e-12f;
};
void f32_embed_layer_norm_avx512(const EmbedLayerNormArgs& args, cpu::ThreadPool* pool);
void f32_embed_layer_norm_avx2(const EmbedLayerNormArgs& args, cpu::ThreadPool* pool);

// ---- attention ---------------------------------------------------------------------------
// Fused multi-head self-attention (bertc.Attention). qkv is [batch, seq, 3 * heads * head_dim]:
// row (b, s) holds Q for every head (head_dim each), then K, then V. bias is [batch, seq]
// (additive, per key; may be null = 0). rel (may be null) is a bias by distance [rel_heads
// (heads, or 1 for all), 2 * rel_span - 1], seq <= rel_span. cos / sin (both or neither) are
// rotary tables [>= seq, head_dim]: q and k of the token at position p of its sequence become
// x·cos[p] + rotate_half(x)·sin[p] (head_dim even). y is [batch, seq, heads * head_dim]. For
// every b, h, query i:  y_i = softmax_j(scale * q'_i·k'_j + bias[b, j] + rel[h, j - i +
// rel_span - 1]) · V; a row whose scores are all -inf gets uniform weights (as the reference
// kernel and PyTorch with finfo.min masks). With pos_index, each score also gains
// scale * (q_i·pos_key[h, r] + k_j·pos_query[h, r]), r = pos_index[j - i + pos_span - 1]: the
// task computes k_j·pos_query[h, r] for its keys and the rows r its sequence uses once, and per
// query block q_i·pos_key[h, r] for the rows the block uses (the same register tiles as the
// scores), then gathers both into a [keys, block] tile the score tiles add.
//
// Blocking: a task is one (batch, head) pair and a range of query blocks of kQueryBlock
// (= 2 vector widths: 32 on AVX-512, 16 on AVX2) rows. A task packs K (panels of key rows, for
// register-tiled broadcasts) and V (rows padded to the vector width) of its head into
// per-thread scratch, then for each query block computes the transposed scores
// S^T[key][query] = K · (scale Q)^T + bias with a register tile of 12×32 (AVX-512) / 6×16
// (AVX2), the softmax down the key axis (vector lanes = queries, so max/sum are vertical),
// and y = P · V with a register tile of rows × up to 4 vectors of head_dim, normalized by
// 1/sum in its epilogue. Scratch per thread is O(seq · (head_dim + kQueryBlock)) floats: the
// [heads, seq, seq] score tensor is never formed. Any seq >= 1, head_dim >= 1.
// Packed batches: with `offsets` (batch + 1 entries), sequence b is rows
// [offsets[b], offsets[b + 1]) of qkv and y, at most `seq` long, and attends over its own
// rows only; bias must then be null.
// y must not overlap qkv or bias.
struct AttentionArgs {
  const float* qkv = nullptr;
  const float* bias = nullptr;
  const float* rel = nullptr;
  int64_t rel_span = 0, rel_heads = 0;
  int64_t window = 0;  // > 0: keys with |j - i| > window are left out
  const float* cos = nullptr;
  const float* sin = nullptr;
  // Disentangled attention (DeBERTa; not with cos / sin): pos_key / pos_query (either may be
  // null) [heads, pos_rows, head_dim], pos_index [2 * pos_span - 1] with entries in
  // [0, pos_rows), seq <= pos_span.
  const float* pos_key = nullptr;
  const float* pos_query = nullptr;
  const int64_t* pos_index = nullptr;
  int64_t pos_rows = 0, pos_span = 0;
  float* y = nullptr;
  const int64_t* offsets = nullptr;
  int64_t batch = 0, seq = 0, heads = 0, head_dim = 0;
  float scale = 1.0f;
  bool fast_math = false;  // exp: fast vs precise (see above)
};
void f32_attention_avx512(const AttentionArgs& args, cpu::ThreadPool* pool);
void f32_attention_avx2(const AttentionArgs& args, cpu::ThreadPool* pool);

// ---- softmax -----------------------------------------------------------------------------
// y[r, :] = softmax(x[r, :]) for rows r in [0, rows) of length n >= 1 (row stride n): max,
// exp(x - max) with its sum, scale by 1/sum. A row of all -inf gives NaN (as ONNX / numpy).
// y may equal x. Rows are split over `pool`.
void f32_softmax_avx512(const float* x, float* y, int64_t rows, int64_t n, bool fast_math,
                        cpu::ThreadPool* pool);
void f32_softmax_avx2(const float* x, float* y, int64_t rows, int64_t n, bool fast_math,
                      cpu::ThreadPool* pool);

// ---- elementwise activations -------------------------------------------------------------
// dst[i] = act(src[i]) (+ residual[i] when residual is not null), for the bertc.Dense
// activations the GEMM epilogue lacks and for standalone ops. dst may equal src (not
// residual). Numerics:
//   kGeluTanh  0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
//   kTanh      tanh(x)
//   kRelu      max(x, 0) (exact; NaN propagates)
//   kErf       erf(x)
// with fast_math: vectorized tanh (Eigen's 13/6 rational, |x| clamped at 7.905, max abs error
// kTanhFastMaxAbsError) and erf (A&S-style rational, max abs error kErfFastMaxAbsError);
// without: per element in double (std::tanh / std::erf), rounded once.
enum class Activation : uint8_t { kNone = 0, kGeluTanh = 2, kRelu = 3, kTanh = 4, kErf = 5 };
inline constexpr float kTanhFastMaxAbsError = 4e-7f;
inline constexpr float kErfFastMaxAbsError = 4e-7f;
void f32_activation_avx512(Activation act, const float* src, const float* residual, float* dst,
                           int64_t n, bool fast_math);
void f32_activation_avx2(Activation act, const float* src, const float* residual, float* dst,
                         int64_t n, bool fast_math);

}  // namespace bertc::kernels::x86
