// f32 GEMM with a prepacked B (weights) and a fused epilogue — the hot kernel of bertc.
//
//   C[M×N] = act(A[M×K] · B[K×N] + bias[N]) + R[M×N]
//
// A, C and R are row-major with row strides lda, ldc, ldr (in elements). B is packed once (at
// compile time) by gemm_pack_b into the layout below, which every ISA's kernel reads, so a
// bundle packed on one machine runs on any other.
//
// Packed B layout: "panels of 16", described once in ir/packed_weights.h (the layout of
// bertc.Dense's packed W); ir::dense_packed_size(K, N) floats, 64-byte aligned (required).
//
// Epilogue order (per element): x = sum_k A(m,k) B(k,n);  x += bias[n];  x = act(x);
// x += R(m,n);  C(m,n) = x.  act is identity or GELU (erf form, 0.5 x (1 + erf(x / sqrt 2))).
//
// GELU numerics: with fast_math, the AVX2/AVX-512 kernels use a vectorized rational
// approximation of erf (odd degree-13 / even degree-8 minimax-style rational, clamped at
// |x| = 4), whose max abs error is kGemmErfMaxAbsError on erf (measured ~3.7e-7 over a dense
// sweep of [-10, 10] in float arithmetic, i.e. <= ~6 float ulps near 1) and therefore at most
// 0.5 |x| kGemmErfMaxAbsError + 1 ulp on GELU (<= 1.5e-6 abs over all x, measured). Without
// fast_math, GELU is computed per element in double with std::erf and rounded once (exact to
// <= 1 ulp) — slower. The ref ISA always uses the exact form.
//
// Aliasing: C must not overlap A, packed B or bias. C may be the very same buffer as R
// (in-place residual add: c == residual and ldc == ldr) when activation is kNone; partial
// overlap, or c == residual with GELU, is not supported (checked where detectable).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "ir/packed_weights.h"

namespace bertc::kernels::x86 {

inline constexpr int kGemmPanelWidth = static_cast<int>(ir::kDensePanelWidth);
inline constexpr size_t kGemmPackedAlignment = 64;   // required alignment of packed B (bytes)
inline constexpr float kGemmErfMaxAbsError = 5e-7f;  // fast erf bound (see above), tested

enum class GemmActivation : uint8_t { kNone = 0, kGelu = 1 };

// How the unpacked B given to gemm_pack_b is laid out.
enum class GemmBLayout : uint8_t {
  kKN = 0,  // row-major K×N: B(k, n) = b[k * ldb + n]      (ONNX MatMul, Gemm transB=0)
  kNK = 1,  // row-major N×K: B(k, n) = b[n * ldb + k]      (ONNX Gemm transB=1, torch Linear)
};

struct GemmEpilogue {
  const float* bias = nullptr;  // [N] or null
  GemmActivation activation = GemmActivation::kNone;
  bool fast_math = true;            // GELU: vector erf approximation (see above) vs exact
  const float* residual = nullptr;  // R, [M×N] with row stride ldr, or null; added after act
  int64_t ldr = 0;
};

// Packs B (K×N, given in `layout` with row stride ldb) into `packed` (ir::dense_packed_size(K, N)
// floats, 64-byte aligned, not overlapping b). Throws bertc::Error on bad arguments.
void gemm_pack_b(GemmBLayout layout, const float* b, int64_t ldb, int64_t K, int64_t N,
                 float* packed);

// C = epilogue(A · B) with the kernel of cpu::active_isa(), on the threads of `pool` (null:
// the calling thread only). Any M, N, K >= 0 (K = 0 gives C = act(bias) + R). Requires
// lda >= K, ldc >= N, ldr >= N when residual is set. Throws bertc::Error on bad arguments.
void gemm_run(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* packed_b,
              float* c, int64_t ldc, const GemmEpilogue& epilogue = {},
              cpu::ThreadPool* pool = nullptr);

// Same with an explicit ISA (tests, benchmarks); throws bertc::Error if the CPU lacks it.
void gemm_run_isa(cpu::Isa isa, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                  const float* packed_b, float* c, int64_t ldc, const GemmEpilogue& epilogue = {},
                  cpu::ThreadPool* pool = nullptr);

// dst[i] = GELU(src[i]) with exactly the numerics of the GEMM epilogue of `isa` (dst may equal
// src). Exposed so the approximation can be tested and reused by a standalone GELU op.
void gemm_gelu(cpu::Isa isa, const float* src, float* dst, int64_t n, bool fast_math);

// Exact GELU of one value: computed in double with std::erf, rounded once.
float gelu_erf_exact(float x);

}  // namespace bertc::kernels::x86
