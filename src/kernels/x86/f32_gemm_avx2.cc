// AVX2 + FMA f32 GEMM micro-kernels (compiled with -mavx2 -mfma): see gemm.h for the
// operation and the packed-B layout, gemm_internal.h for the driver interface.
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>

#include "kernels/x86/gemm_internal.h"

namespace bertc::x86::gemm_detail {
namespace {

constexpr int kMR = 6;   // rows per micro-tile
constexpr int kNV = 2;   // 8-float vectors per micro-tile: one 16-column B panel
constexpr int kNR = 16;
constexpr int64_t kKC = 768;

// Same rational erf approximation as the AVX-512 kernels (bit-identical formula).
inline __m256 erf_fast(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-4.0f)), _mm256_set1_ps(4.0f));
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-2.72614225801306e-10f);
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.77068142495902e-08f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.10102402082508e-06f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-5.69250639462346e-05f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-7.34990630326855e-04f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-2.95459980854025e-03f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.60960333262415e-02f));
  p = _mm256_mul_ps(p, x);
  __m256 q = _mm256_set1_ps(-1.45660718464996e-05f);
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-2.13374055278905e-04f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.68282697438203e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-7.37332916720468e-03f));
  q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(-1.42647390514189e-02f));
  return _mm256_div_ps(p, q);
}

inline __m256 gelu_fast(__m256 x) {
  const __m256 e = erf_fast(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752f)));
  const __m256 hx = _mm256_mul_ps(x, _mm256_set1_ps(0.5f));
  return _mm256_fmadd_ps(hx, e, hx);
}

inline __m256 gelu_exact(__m256 x) {
  alignas(32) float tmp[8];
  _mm256_store_ps(tmp, x);
  gelu_exact_inplace(tmp, 8);
  return _mm256_load_ps(tmp);
}

// Lane mask with the first n (0..8) lanes set.
inline __m256i lane_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline __m256 load_masked(const float* p, bool full, __m256i m) {
  return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}
inline void store_masked(float* p, bool full, __m256i m, __m256 x) {
  if (full) {
    _mm256_storeu_ps(p, x);
  } else {
    _mm256_maskstore_ps(p, m, x);
  }
}

// f32_gemm_{MR}x{8 NV}_avx2: C tile = [src tile +] A_panel · B_slice [+ bias] over kc.
//   a: packed A micro-panel, a[k * kMR + r]. b: packed B panel at row k0 (64-byte aligned),
//   b[k * 16 + j]; NV = 1 reads only its first 8 columns.
//   c: C(m, n), row stride ldc; src (or null): tile added to the result, row stride lds (the
//   partial sum in C, or R in the first K block when the residual goes first; may equal c).
//   The last 8-column vector is limited to its first last_lanes (1..8) lanes. Only MR rows
//   are touched. 6×2 = 12 accumulators + 2 B + 1 broadcast fill the 16 ymm registers.
//   GELU / late residual: separate post-pass (keeps this function small and cheap to call).
template <int MR, int NV>
void f32_gemm_ukernel_avx2(int64_t kc, const float* __restrict a, const float* __restrict b,
                           float* c, int64_t ldc, const float* src, int64_t lds,
                           int last_lanes, const float* bias) {
  const bool last_full = last_lanes == 8;
  const __m256i last_mask = lane_mask(last_lanes);
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_load_ps(b + k * 16 + v * 8);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + k * kMR + r);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
    }
  }
  if (bias) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __m256 bb = load_masked(bias + v * 8, v < NV - 1 || last_full, last_mask);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) acc[r][v] = _mm256_add_ps(acc[r][v], bb);
    }
  }
  if (src) {
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        const __m256 x = load_masked(src + r * lds + v * 8, v < NV - 1 || last_full, last_mask);
        acc[r][v] = _mm256_add_ps(acc[r][v], x);
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      store_masked(c + r * ldc + v * 8, v < NV - 1 || last_full, last_mask, acc[r][v]);
    }
  }
}

using UkernelFn = void (*)(int64_t, const float*, const float*, float*, int64_t, const float*,
                           int64_t, int, const float*);

template <int MR>
constexpr std::array<UkernelFn, 2> ukernel_row() {
  return {&f32_gemm_ukernel_avx2<MR, 1>, &f32_gemm_ukernel_avx2<MR, 2>};
}

template <int... MRs>
constexpr std::array<std::array<UkernelFn, kNV>, sizeof...(MRs)> ukernel_table(
    std::integer_sequence<int, MRs...>) {
  return {ukernel_row<MRs + 1>()...};
}

// kUkernels[mr - 1][nv - 1]
constexpr auto kUkernels = ukernel_table(std::make_integer_sequence<int, kMR>{});

// Post-pass over one C tile (rows × cols, in L1): C = act(C) + R, branch-free body.
template <bool GELU, bool FAST, bool RES>
void f32_gemm_post_avx2(float* c, int64_t ldc, const float* res, int64_t ldr, int rows,
                        int cols) {
  const int full = cols / 8;
  const int tail = cols % 8;
  const __m256i tail_mask = lane_mask(tail);
  auto one = [&](float* p, const float* rp, bool is_full) {
    __m256 x = load_masked(p, is_full, tail_mask);
    if constexpr (GELU) x = FAST ? gelu_fast(x) : gelu_exact(x);
    if constexpr (RES) x = _mm256_add_ps(x, load_masked(rp, is_full, tail_mask));
    store_masked(p, is_full, tail_mask, x);
  };
  for (int r = 0; r < rows; ++r) {
    float* cr = c + r * ldc;
    const float* rr = RES ? res + r * ldr : nullptr;
    for (int v = 0; v < full; ++v) one(cr + v * 8, RES ? rr + v * 8 : nullptr, true);
    if (tail) one(cr + full * 8, RES ? rr + full * 8 : nullptr, false);
  }
}

using PostFn = void (*)(float*, int64_t, const float*, int64_t, int, int);

PostFn post_fn(bool gelu, bool fast, bool res) {
  if (!gelu) return res ? &f32_gemm_post_avx2<false, false, true> : nullptr;
  if (fast) return res ? &f32_gemm_post_avx2<true, true, true> : &f32_gemm_post_avx2<true, true, false>;
  return res ? &f32_gemm_post_avx2<true, false, true> : &f32_gemm_post_avx2<true, false, false>;
}

void pack_a(const GemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K;
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t m0 = i * kMR;
    const int rows = static_cast<int>(std::min<int64_t>(kMR, g.M - m0));
    float* dst = const_cast<float*>(g.a_packed) + i * K * kMR;
    const float* src[kMR];
    for (int r = 0; r < kMR; ++r) src[r] = g.a + (m0 + std::min(r, rows - 1)) * g.lda;
    if (rows == kMR) {
      for (int64_t k = 0; k < K; ++k) {
#pragma GCC unroll 8
        for (int r = 0; r < kMR; ++r) dst[k * kMR + r] = src[r][k];
      }
    } else {
      for (int64_t k = 0; k < K; ++k) {
        for (int r = 0; r < kMR; ++r) dst[k * kMR + r] = r < rows ? src[r][k] : 0.0f;
      }
    }
  }
}

inline const float* ap_of(const GemmArgs& g, int64_t m, int64_t k0) {
  return g.a_packed + (m / kMR) * g.K * kMR + k0 * kMR;
}

void block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t K = g.K;
  const int64_t kc = g.kc;
  const int64_t nkb = K == 0 ? 1 : (K + kc - 1) / kc;
  const bool res = g.residual != nullptr;
  const PostFn post_last = post_fn(g.gelu, g.fast_math, res && !g.residual_first);
  for (int64_t kb = 0; kb < nkb; ++kb) {
    const int64_t k0 = kb * kc;
    const int64_t kl = std::min(kc, K - k0);
    const bool first = kb == 0, last = kb == nkb - 1;
    for (int64_t n = n0; n < n1; n += kNR) {
      const int nl = static_cast<int>(std::min<int64_t>(kNR, n1 - n));
      const int nv = (nl + 7) / 8;
      const int tail = nl % 8;
      const float* bias = first && g.bias ? g.bias + n : nullptr;
      const float* bp = g.b_packed + (n / 16) * K * 16 + k0 * 16;
      for (int64_t m = m0; m < m1; m += kMR) {
        const int ml = static_cast<int>(std::min<int64_t>(kMR, m1 - m));
        float* c = g.c + m * g.ldc + n;
        const float* r = res ? g.residual + m * g.ldr + n : nullptr;
        const float* src = !first ? c : g.residual_first ? r : nullptr;
        const int64_t lds = !first ? g.ldc : g.ldr;
        kUkernels[ml - 1][nv - 1](kl, ap_of(g, m, k0), bp, c, g.ldc, src, lds,
                                  tail == 0 ? 8 : tail, bias);
        if (last && post_last) post_last(c, g.ldc, r, g.ldr, ml, nl);
      }
    }
  }
}

void gelu(const float* src, float* dst, int64_t n, bool fast_math) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(src + i);
    _mm256_storeu_ps(dst + i, fast_math ? gelu_fast(x) : gelu_exact(x));
  }
  if (i < n) {
    const __m256i m = lane_mask(static_cast<int>(n - i));
    const __m256 x = _mm256_maskload_ps(src + i, m);
    _mm256_maskstore_ps(dst + i, m, fast_math ? gelu_fast(x) : gelu_exact(x));
  }
}

}  // namespace

const GemmIsaKernels& f32_gemm_kernels_avx2() {
  static const GemmIsaKernels kernels{kMR, kNR, kKC, &pack_a, &block, &gelu};
  return kernels;
}

}  // namespace bertc::x86::gemm_detail
