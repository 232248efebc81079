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

#ifndef BERTC_GEMM512_MR
#define BERTC_GEMM512_MR 14
#define BERTC_GEMM512_NV 2
#endif
#ifndef BERTC_GEMM512_KC
#define BERTC_GEMM512_KC 256
#endif

constexpr int kMR = BERTC_GEMM512_MR;  // rows per micro-tile
constexpr int kNV = BERTC_GEMM512_NV;  // 16-float vectors (B panels) per micro-tile
constexpr int kNR = kNV * 16;

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

// Where one micro-tile's epilogue reads and writes.
struct TileIo {
  float* c;            // C(m, n)
  int64_t ldc;
  const float* bias;   // bias + n, or null
  const float* res;    // R(m, n), or null
  int64_t ldr;
  __mmask16 last_mask;  // valid lanes of the last 16-column vector
  int flags;            // kFirstK | kLastK
  bool gelu, fast_math, residual_first;
};

// f32_gemm_{MR}x{16 NV}_avx512: acc[MR][NV] = A_panel · B_slice over kc, then the epilogue.
//   a: packed A micro-panel, a[k * MRS + r] (64-byte aligned start, MRS floats per k).
//   b: first packed B panel at row k0 (64-byte aligned); panel v at b + v * b_stride.
//   Rows r >= MR and columns past the mask are neither read from C/R nor written.
//   kc may be 0 (accumulators stay 0).
// 2 FMA pipes × 4-cycle latency need >= 8 independent accumulators: MR × NV >= 8 here for the
// main tiles (14×2 = 28); the edge tiles (small MR) run latency-bound but are rare.
template <int MRS, int MR, int NV>
void f32_gemm_ukernel_avx512(int64_t kc, const float* __restrict a, const float* __restrict b,
                             int64_t b_stride, const TileIo& io) {
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
  const bool first = io.flags & kFirstK;
  const bool last = io.flags & kLastK;
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v == NV - 1 ? io.last_mask : static_cast<__mmask16>(0xFFFF);
      float* cp = io.c + r * io.ldc + v * 16;
      __m512 x = acc[r][v];
      if (!first) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, cp));
      if (first) {
        if (io.bias) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, io.bias + v * 16));
        if (io.res && io.residual_first)
          x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, io.res + r * io.ldr + v * 16));
      }
      if (last) {
        if (io.gelu) x = io.fast_math ? gelu_fast(x) : gelu_exact(x);
        if (io.res && !io.residual_first)
          x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(m, io.res + r * io.ldr + v * 16));
      }
      _mm512_mask_storeu_ps(cp, m, x);
    }
  }
}

using UkernelFn = void (*)(int64_t, const float*, const float*, int64_t, const TileIo&);

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

// Packs micro-panels [i0, i1) of A: a_packed[(i * K + k) * kMR + r] = A(i * kMR + r, k).
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
#pragma GCC unroll 16
        for (int r = 0; r < kMR; ++r) dst[k * kMR + r] = src[r][k];
      }
    } else {
      for (int64_t k = 0; k < K; ++k) {
        for (int r = 0; r < kMR; ++r) dst[k * kMR + r] = r < rows ? src[r][k] : 0.0f;
      }
    }
  }
}

void block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int64_t K = g.K;
  const int64_t kc = g.kc;
  const int64_t nkb = K == 0 ? 1 : (K + kc - 1) / kc;
  for (int64_t kb = 0; kb < nkb; ++kb) {
    const int64_t k0 = kb * kc;
    const int64_t kl = std::min(kc, K - k0);
    TileIo io;
    io.ldc = g.ldc;
    io.ldr = g.ldr;
    io.flags = (kb == 0 ? kFirstK : 0) | (kb == nkb - 1 ? kLastK : 0);
    io.gelu = g.gelu;
    io.fast_math = g.fast_math;
    io.residual_first = g.residual_first;
    for (int64_t n = n0; n < n1; n += kNR) {
      const int64_t nl = std::min<int64_t>(kNR, n1 - n);
      const int nv = static_cast<int>((nl + 15) / 16);
      const int tail = static_cast<int>(nl % 16);
      io.last_mask = tail == 0 ? static_cast<__mmask16>(0xFFFF)
                               : static_cast<__mmask16>((1u << tail) - 1u);
      io.bias = g.bias ? g.bias + n : nullptr;
      const float* bp = g.b_packed + (n / 16) * K * 16 + k0 * 16;
      for (int64_t m = m0; m < m1; m += kMR) {
        const int ml = static_cast<int>(std::min<int64_t>(kMR, m1 - m));
        io.c = g.c + m * g.ldc + n;
        io.res = g.residual ? g.residual + m * g.ldr + n : nullptr;
        const float* ap = g.a_packed + (m / kMR) * K * kMR + k0 * kMR;
        kUkernels[ml - 1][nv - 1](kl, ap, bp, K * 16, io);
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
  static const GemmIsaKernels kernels{kMR, kNR, BERTC_GEMM512_KC, &pack_a, &block, &gelu};
  return kernels;
}

}  // namespace bertc::x86::gemm_detail
