// Quantization of A for the int8 GEMM kernels (qgemm_internal.h's A micro-panels of kMr rows),
// shared by the s8_gemm_*.cc files: AVX2 code (every int8 kernel's ISA has AVX2). Include only
// from those files, after simd_avx2.h; internal linkage.
#pragma once

#include <algorithm>
#include <cstdint>

#include "ir/int8_quantization.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

// Micro-panels [i0, i1) of A: per row, its range and parameters, then its 7-bit values, 8 at a
// time, packed to bytes and spread as two quads to the panel's k-quad rows.
template <int kMr>
void quantize_a(const QGemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K, K4 = g.Kg;
  for (int64_t i = i0; i < i1; ++i) {
    int32_t* dst = g.a_packed + i * K4 * kMr;
    for (int r = 0; r < kMr; ++r) {
      const int64_t m = i * kMr + r;
      if (m >= g.M) {
        for (int64_t kq = 0; kq < K4; ++kq) dst[kq * kMr + r] = 0;
        g.a_scales[m] = 0.0f;
        g.a_zero[m] = 0;
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
      g.a_zero[m] = q.zero_point;
      const __m256 inv = _mm256_set1_ps(q.inv_scale);
      const __m256 top = _mm256_set1_ps(512.0f), bottom = _mm256_set1_ps(-512.0f);
      const __m256i zp = _mm256_set1_epi32(q.zero_point);
      const __m256i top_q = _mm256_set1_epi8(static_cast<char>(ir::kActivationMax));
      for (int64_t k = 0; k < K; k += 8) {
        __m256 p = _mm256_min_ps(_mm256_mul_ps(load(k), inv), top);  // NaN -> 512, as the scalar rule
        p = _mm256_max_ps(p, bottom);
        // q = clamp(round(p) + z, 0, 127): the saturating packs clamp (to int16, then to
        // [0, 255]), then the unsigned min.
        const __m256i iv = _mm256_add_epi32(_mm256_cvtps_epi32(p), zp);
        const __m256i w16 = _mm256_packs_epi32(iv, iv);       // [v0..3 v0..3 | v4..7 v4..7]
        const __m256i b8 = _mm256_min_epu8(_mm256_packus_epi16(w16, w16), top_q);  // dword 0: v0..3, dword 4: v4..7
        // Bytes past K (q of 0, i.e. z) meet the weights' zero padding: they add nothing.
        int32_t* out = dst + (k / 4) * kMr + r;
        out[0] = _mm256_extract_epi32(b8, 0);
        if (k / 4 + 1 < K4) out[kMr] = _mm256_extract_epi32(b8, 4);
      }
    }
  }
}

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail
