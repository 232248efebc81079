// AVX-512 f32 GEMM micro-kernels (compiled with -mavx512f/bw/dq/vl): see gemm.h for the
// operation and the packed-B layout, gemm_internal.h for the driver interface.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/x86/gemm_internal.h"

// GCC 12 warns about _mm512_undefined_ps() inside its own intrinsics headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace bertc::x86::gemm_detail {
namespace {

constexpr int kMR = 8;        // rows per micro-tile
constexpr int kNV = 3;        // 16-float vectors (B panels) per micro-tile
constexpr int kNR = kNV * 16;
constexpr int64_t kKC = 1536;  // largest K block: BERT's K = 768 in one block, 3072 in two

// erf(x) for float lanes: odd/even rational approximation on [-4, 4] (|erf(x)| rounds to 1
// in float beyond), max abs error 3.7e-7 measured (bound kGemmErfMaxAbsError = 5e-7).
inline __m512 erf_fast(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-4.0f)), _mm512_set1_ps(4.0f));
  const __m512 x2 = _mm512_mul_ps(x, x);
  __m512 p = _mm512_set1_ps(-2.72614225801306e-10f);
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.77068142495902e-08f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.10102402082508e-06f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-5.69250639462346e-05f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-7.34990630326855e-04f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-2.95459980854025e-03f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.60960333262415e-02f));
  p = _mm512_mul_ps(p, x);
  __m512 q = _mm512_set1_ps(-1.45660718464996e-05f);
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-2.13374055278905e-04f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.68282697438203e-03f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-7.37332916720468e-03f));
  q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(-1.42647390514189e-02f));
  return _mm512_div_ps(p, q);
}

// 0.5 x (1 + erf(x / sqrt 2)) with erf_fast.
inline __m512 gelu_fast(__m512 x) {
  const __m512 e = erf_fast(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)));
  const __m512 hx = _mm512_mul_ps(x, _mm512_set1_ps(0.5f));
  return _mm512_fmadd_ps(hx, e, hx);
}

inline __m512 gelu_exact(__m512 x) {
  alignas(64) float tmp[16];
  _mm512_store_ps(tmp, x);
  gelu_exact_inplace(tmp, 16);
  return _mm512_load_ps(tmp);
}

// f32_gemm_{MR}x{16 NV}_avx512: C tile = [C tile +] A_panel · B_slice [+ bias] over kc.
//   a: packed A micro-panel, a[k * MRS + r] (MRS floats per k, 64-byte aligned start).
//   b: first packed B panel at row k0 (64-byte aligned); panel v at b + v * b_stride.
//   c: C(m, n), row stride ldc, any alignment; src (or null): a tile added to the result,
//   row stride lds (the partial sum in C for later K blocks, or R in the first block when the
//   residual goes first — src may equal c). Only MR rows and the first 16 (NV - 1) +
//   popcount(last_mask) columns of c / src / bias are read or written. kc may be 0.
// The epilogue here is deliberately tiny (one predictable branch each for src and bias): GELU
// and the residual run in a separate pass over the tile while it is in L1, which keeps this
// function's code small and its per-call overhead ~50 cycles.
// 2 FMA pipes × 4-cycle latency need >= 8 independent accumulators: the main tile has
// MR × NV = 24 (of 32 zmm registers); edge tiles (small MR) run latency-bound but are rare.
template <int MRS, int MR, int NV>
void f32_gemm_ukernel_avx512(int64_t kc, const float* __restrict a, const float* __restrict b,
                             int64_t b_stride, float* c, int64_t ldc, const float* src,
                             int64_t lds, __mmask16 last_mask, const float* bias) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_load_ps(b + v * b_stride + k * 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 av = _mm512_set1_ps(a[k * MRS + r]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  if (bias) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __m512 bb = v == NV - 1 ? _mm512_maskz_loadu_ps(last_mask, bias + v * 16)
                                    : _mm512_loadu_ps(bias + v * 16);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) acc[r][v] = _mm512_add_ps(acc[r][v], bb);
    }
  }
  if (src) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        const float* p = src + r * lds + v * 16;
        acc[r][v] = _mm512_add_ps(acc[r][v], v == NV - 1 ? _mm512_maskz_loadu_ps(last_mask, p)
                                                         : _mm512_loadu_ps(p));
      }
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* p = c + r * ldc + v * 16;
      if (v == NV - 1) {
        _mm512_mask_storeu_ps(p, last_mask, acc[r][v]);
      } else {
        _mm512_storeu_ps(p, acc[r][v]);
      }
    }
  }
}

using UkernelFn = void (*)(int64_t, const float*, const float*, int64_t, float*, int64_t,
                           const float*, int64_t, __mmask16, const float*);

template <int MR, int... NVs>
constexpr std::array<UkernelFn, sizeof...(NVs)> ukernel_row(std::integer_sequence<int, NVs...>) {
  return {&f32_gemm_ukernel_avx512<kMR, MR, NVs + 1>...};
}

template <int... MRs>
constexpr std::array<std::array<UkernelFn, kNV>, sizeof...(MRs)> ukernel_table(
    std::integer_sequence<int, MRs...>) {
  return {ukernel_row<MRs + 1>(std::make_integer_sequence<int, kNV>{})...};
}

// kUkernels[mr - 1][nv - 1]
constexpr auto kUkernels = ukernel_table(std::make_integer_sequence<int, kMR>{});

// The post-pass over one C tile (rows × cols, in L1): C = act(C) + R. GELU, FAST and RES are
// compile-time so the loop body is branch-free.
template <bool GELU, bool FAST, bool RES>
void f32_gemm_post_avx512(float* c, int64_t ldc, const float* res, int64_t ldr, int rows,
                          int cols) {
  const int full = cols / 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (cols % 16)) - 1u);
  auto one = [&](float* p, const float* rp, __mmask16 m) {
    __m512 x = _mm512_maskz_loadu_ps(m, p);
    if constexpr (GELU) x = FAST ? gelu_fast(x) : gelu_exact(x);
    if constexpr (RES) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, rp));
    _mm512_mask_storeu_ps(p, m, x);
  };
  for (int r = 0; r < rows; ++r) {
    float* cr = c + r * ldc;
    const float* rr = RES ? res + r * ldr : nullptr;
    for (int v = 0; v < full; ++v) one(cr + v * 16, RES ? rr + v * 16 : nullptr, 0xFFFF);
    if (tail) one(cr + full * 16, RES ? rr + full * 16 : nullptr, tail);
  }
}

using PostFn = void (*)(float*, int64_t, const float*, int64_t, int, int);

PostFn post_fn(bool gelu, bool fast, bool res) {
  if (!gelu) return res ? &f32_gemm_post_avx512<false, false, true> : nullptr;
  if (fast) return res ? &f32_gemm_post_avx512<true, true, true> : &f32_gemm_post_avx512<true, true, false>;
  return res ? &f32_gemm_post_avx512<true, false, true> : &f32_gemm_post_avx512<true, false, false>;
}

// Transposes an 8 (rows) × 8 (k) block: src rows at stride lda -> dst[k * 8 + r].
inline void transpose_8x8(const float* src, int64_t lda, float* dst) {
  const __m256 r0 = _mm256_loadu_ps(src + 0 * lda), r1 = _mm256_loadu_ps(src + 1 * lda);
  const __m256 r2 = _mm256_loadu_ps(src + 2 * lda), r3 = _mm256_loadu_ps(src + 3 * lda);
  const __m256 r4 = _mm256_loadu_ps(src + 4 * lda), r5 = _mm256_loadu_ps(src + 5 * lda);
  const __m256 r6 = _mm256_loadu_ps(src + 6 * lda), r7 = _mm256_loadu_ps(src + 7 * lda);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_store_ps(dst + 0 * 8, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_store_ps(dst + 1 * 8, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_store_ps(dst + 2 * 8, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_store_ps(dst + 3 * 8, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_store_ps(dst + 4 * 8, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_store_ps(dst + 5 * 8, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_store_ps(dst + 6 * 8, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_store_ps(dst + 7 * 8, _mm256_permute2f128_ps(s3, s7, 0x31));
}

// Packs micro-panels [i0, i1) of A: a_packed[(i * K + k) * kMR + r] = A(i * kMR + r, k), rows
// past M zero. a_packed is 64-byte aligned (driver scratch) and K * kMR * 4 is a multiple of
// 32 bytes, so every 8-float row of a panel is 32-byte aligned.
void pack_a(const GemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K;
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t m0 = i * kMR;
    const int rows = static_cast<int>(std::min<int64_t>(kMR, g.M - m0));
    float* dst = const_cast<float*>(g.a_packed) + i * K * kMR;
    const float* src = g.a + m0 * g.lda;
    int64_t k = 0;
    if (kMR == 8 && rows == 8) {
      for (; k + 8 <= K; k += 8) transpose_8x8(src + k, g.lda, dst + k * 8);
    }
    for (; k < K; ++k) {
      for (int r = 0; r < kMR; ++r) dst[k * kMR + r] = r < rows ? src[r * g.lda + k] : 0.0f;
    }
  }
}

void block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t K = g.K;
  const int64_t kc = g.kc;
  const int64_t nkb = K == 0 ? 1 : (K + kc - 1) / kc;
  const bool res = g.residual != nullptr;
  // The residual goes first (as the src of the first K block) when there is no activation;
  // else a post-pass after the last K block applies GELU, then adds it.
  const PostFn post_last = post_fn(g.gelu, g.fast_math, res && !g.residual_first);
  for (int64_t kb = 0; kb < nkb; ++kb) {
    const int64_t k0 = kb * kc;
    const int64_t kl = std::min(kc, K - k0);
    const bool first = kb == 0, last = kb == nkb - 1;
    for (int64_t n = n0; n < n1; n += kNR) {
      const int nl = static_cast<int>(std::min<int64_t>(kNR, n1 - n));
      const int nv = (nl + 15) / 16;
      const int tail = nl % 16;
      const __mmask16 last_mask = tail == 0 ? static_cast<__mmask16>(0xFFFF)
                                            : static_cast<__mmask16>((1u << tail) - 1u);
      const float* bias = first && g.bias ? g.bias + n : nullptr;
      const float* bp = g.b_packed + (n / 16) * K * 16 + k0 * 16;
      for (int64_t m = m0; m < m1; m += kMR) {
        const int ml = static_cast<int>(std::min<int64_t>(kMR, m1 - m));
        float* c = g.c + m * g.ldc + n;
        const float* ap = g.a_packed + (m / kMR) * K * kMR + k0 * kMR;
        const float* r = res ? g.residual + m * g.ldr + n : nullptr;
        const float* src = !first ? c : g.residual_first ? r : nullptr;
        const int64_t lds = !first ? g.ldc : g.ldr;
        kUkernels[ml - 1][nv - 1](kl, ap, bp, K * 16, c, g.ldc, src, lds, last_mask, bias);
        if (last && post_last) post_last(c, g.ldc, r, g.ldr, ml, nl);
      }
    }
  }
}

void gelu(const float* src, float* dst, int64_t n, bool fast_math) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_loadu_ps(src + i);
    _mm512_storeu_ps(dst + i, fast_math ? gelu_fast(x) : gelu_exact(x));
  }
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1u);
    const __m512 x = _mm512_maskz_loadu_ps(m, src + i);
    _mm512_mask_storeu_ps(dst + i, m, fast_math ? gelu_fast(x) : gelu_exact(x));
  }
}

}  // namespace

const GemmIsaKernels& f32_gemm_kernels_avx512() {
  static const GemmIsaKernels kernels{kMR, kNR, kKC, &pack_a, &block, &gelu};
  return kernels;
}

}  // namespace bertc::x86::gemm_detail
