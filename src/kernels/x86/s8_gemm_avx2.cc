// AVX2 int8 GEMM (compiled with -mavx2 -mfma): exact integer sums with vpmaddwd. The centered
// activations (q - z, in [-255, 255]) and the weights (|Wq| <= 127, sign-extended from the packed
// int8 pairs) are int16; vpmaddwd adds two products into an int32 lane, which cannot saturate
// (2 · 255 · 127 < 2^31), unlike vpmaddubsw's int16 pair sums (2 · 255 · 127 > 2^15), which ONNX
// Runtime's AVX2 kernel risks. Both take one multiply slot per 16 products on Zen 3 and Skylake,
// so exactness costs no multiply throughput; vpmaddwd needs one vpaddd per 16 products where the
// vpmaddubsw chain needs a vpmaddwd + vpaddd per 32.
//
// Micro-tile 6 rows × 16 columns (one B panel): 12 int32 accumulators + 2 B vectors + 1
// broadcast pair fill the 16 ymm registers. The epilogue dequantizes and adds the bias in one
// fma (float(sum) · (scale_m · scale_n) + bias) and a residual that needs no activation first; GELU (and a residual
// after it) is gemm_impl.h's post-pass, so the float numerics are the f32 GEMM's.
#include "ir/int8_quantization.h"
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

constexpr int kMr = 6;

// Micro-panels [i0, i1) of A: per row, its range and parameters, then the centered values,
// 8 at a time, packed to int16 pairs and spread to the panel's k-pair rows.
void quantize_a(const QGemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K, K2 = g.K2;
  for (int64_t i = i0; i < i1; ++i) {
    int32_t* dst = g.a_packed + i * K2 * kMr;
    for (int r = 0; r < kMr; ++r) {
      const int64_t m = i * kMr + r;
      if (m >= g.M) {
        for (int64_t kk = 0; kk < K2; ++kk) dst[kk * kMr + r] = 0;
        g.a_scales[m] = 0.0f;
        continue;
      }
      const float* x = g.a + m * g.lda;
      const float* c = g.smooth;
      // Row m's values, smoothed: A(m, k) · c[k] (lanes past K read as 0).
      auto load = [&](int64_t k) {
        const int n = static_cast<int>(std::min<int64_t>(8, K - k));
        const __m256 v = n == 8 ? _mm256_loadu_ps(x + k) : V256::load_n(x + k, n);
        return c ? _mm256_mul_ps(v, n == 8 ? _mm256_loadu_ps(c + k) : V256::load_n(c + k, n)) : v;
      };
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      for (int64_t k = 0; k < K; k += 8) {  // lanes past K read as 0, which the range includes anyway
        const __m256 v = load(k);
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
      }
      const ir::RowQuantization q = ir::row_quantization(V256::reduce_min(lo), V256::reduce_max(hi));
      g.a_scales[m] = q.scale;
      const __m256 inv = _mm256_set1_ps(q.inv_scale);
      const __m256 top = _mm256_set1_ps(512.0f), bottom = _mm256_set1_ps(-512.0f);
      const __m256i zp = _mm256_set1_epi32(q.zero_point);
      const __m256i zero = _mm256_setzero_si256(), u8max = _mm256_set1_epi32(255);
      for (int64_t k = 0; k < K; k += 8) {
        const __m256 v = load(k);
        __m256 p = _mm256_min_ps(_mm256_mul_ps(v, inv), top);  // NaN -> 512, as the scalar rule
        p = _mm256_max_ps(p, bottom);
        __m256i iv = _mm256_add_epi32(_mm256_cvtps_epi32(p), zp);
        iv = _mm256_sub_epi32(_mm256_min_epi32(_mm256_max_epi32(iv, zero), u8max), zp);
        // int16 [v0..v3 v0..v3 | v4..v7 v4..v7] -> qwords 0 and 2: the pairs (v0,v1) .. (v6,v7).
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(iv, iv), 0x08);
        alignas(16) int32_t pairs[4];
        _mm_store_si128(reinterpret_cast<__m128i*>(pairs), _mm256_castsi256_si128(packed));
        const int64_t kk0 = k / 2;
        const int n = static_cast<int>(std::min<int64_t>(4, K2 - kk0));
        for (int j = 0; j < n; ++j) dst[(kk0 + j) * kMr + r] = pairs[j];
      }
    }
  }
}

// The 6 × 16 tile at (m, n): sums over all K, then the epilogue for its ml rows and nl columns.
void tile(const QGemmArgs& g, int64_t m, int ml, int64_t n, int nl, const __m256 (&ws)[2],
          const __m256 (&bias)[2], bool residual_first) {
  const int32_t* __restrict ap = g.a_packed + (m / kMr) * g.K2 * kMr;
  const int8_t* __restrict bp = g.b_packed + (n / 16) * g.K2 * 32;
  __m256i acc[kMr][2];
#pragma GCC unroll 6
  for (int r = 0; r < kMr; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t kk = 0; kk < g.K2; ++kk) {
    const __m256i b0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bp + kk * 32)));
    const __m256i b1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(bp + kk * 32 + 16)));
#pragma GCC unroll 6
    for (int r = 0; r < kMr; ++r) {
      const __m256i a = _mm256_set1_epi32(ap[kk * kMr + r]);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(a, b0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(a, b1));
    }
  }
  const int n0 = std::min(nl, 8), n1 = nl - n0;
#pragma GCC unroll 6
  for (int r = 0; r < kMr; ++r) {
    if (r >= ml) break;
    const __m256 as = _mm256_set1_ps(g.a_scales[m + r]);
    float* c = g.c + (m + r) * g.ldc + n;
    const float* res = residual_first ? g.residual + (m + r) * g.ldr + n : nullptr;
    for (int v = 0; v < 2; ++v) {
      const int lanes = v == 0 ? n0 : n1;
      if (lanes == 0) break;
      __m256 x = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r][v]), _mm256_mul_ps(as, ws[v]), bias[v]);
      if (res) x = _mm256_add_ps(x, lanes == 8 ? _mm256_loadu_ps(res + 8 * v) : V256::load_n(res + 8 * v, lanes));
      if (lanes == 8) {
        _mm256_storeu_ps(c + 8 * v, x);
      } else {
        V256::store_n(c + 8 * v, x, lanes);
      }
    }
  }
}

void block(const QGemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const bool residual_first = g.residual && !g.gelu;
  const gemm_detail::PostFn post = gemm_detail::gemm_post_fn<V256>(g.gelu, g.fast_math, g.residual && g.gelu);
  for (int64_t n = n0; n < n1; n += 16) {
    const int nl = static_cast<int>(std::min<int64_t>(16, n1 - n));
    __m256 ws[2], bias[2];
    for (int v = 0; v < 2; ++v) {
      const int lanes = std::clamp(nl - 8 * v, 0, 8);
      ws[v] = V256::load_n(g.b_scales + n + 8 * v, lanes);
      bias[v] = g.bias ? V256::load_n(g.bias + n + 8 * v, lanes) : _mm256_setzero_ps();
    }
    for (int64_t m = m0; m < m1; m += kMr) {
      const int ml = static_cast<int>(std::min<int64_t>(kMr, m1 - m));
      tile(g, m, ml, n, nl, ws, bias, residual_first);
      if (post) post(g.c + m * g.ldc + n, g.ldc, g.residual ? g.residual + m * g.ldr + n : nullptr, g.ldr, ml, nl);
    }
  }
}

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avx2() {
  static const QGemmIsaKernels kernels{kMr, &quantize_a, &block};
  return kernels;
}

}  // namespace bertc::kernels::x86::qgemm_detail
