// Shared template of the bf16 GEMM kernels (bf16_gemm_*.cc, and the tests' emulated one): A's
// conversion, the tile loop and the epilogue of bgemm.h's contract, instantiated with traits T:
//   T::V                  the float vector type (V256 / V512)
//   T::I                  the matching integer vector (kLanes 32-bit lanes)
//   T::kRows              rows per micro-tile (= rows per A micro-panel)
//   T::bcast / load       a 32-bit unit broadcast to every lane / kLanes units (4 · kLanes bytes)
//                         loaded
//   T::dot(acc, a, b)     vdpbf16ps's contract: per lane, acc + a.hi · b.hi + a.lo · b.lo, the
//                         bf16 pairs' products (exact) added in float32
// A tile is kRows rows × one 16-column B panel (16 / kLanes vectors per row); its epilogue adds
// the bias and a residual that needs no activation first; GELU (and a residual after it) is
// gemm_impl.h's post-pass, so the float numerics are the f32 GEMM's.
// Include only from the bf16 kernels' files, after their simd header; internal linkage.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

// Eight floats rounded to bf16 (ties to even, NaN kept quiet: ir::f32_to_bf16), as pairs: the low
// 32 bits of each 64-bit lane hold bf16(v[2t]) | bf16(v[2t + 1]) << 16. AVX2 code (every bf16
// kernel's ISA has it).
inline __m256i bf16_pairs(__m256 v) {
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded = _mm256_srli_epi32(
      _mm256_add_epi32(bits, _mm256_add_epi32(_mm256_set1_epi32(0x7fff), odd)), 16);
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffffff)),
                                         _mm256_set1_epi32(0x7f800000));
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  const __m256i h = _mm256_blendv_epi8(rounded, quiet, nan);
  return _mm256_or_si256(h, _mm256_srli_epi64(h, 16));
}

// Micro-panels [i0, i1) of A: each row's values 8 at a time, rounded and spread as four pairs to
// the panel's k-pair rows (k past K: 0).
template <int kMr>
void convert_a_bf16(const QGemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K, K2 = g.Kg;
  for (int64_t i = i0; i < i1; ++i) {
    int32_t* dst = g.a_packed + i * K2 * kMr;
    for (int r = 0; r < kMr; ++r) {
      const int64_t m = i * kMr + r;
      if (m >= g.M) {
        for (int64_t kp = 0; kp < K2; ++kp) dst[kp * kMr + r] = 0;
        continue;
      }
      const float* x = g.a + m * g.lda;
      for (int64_t k = 0; k < K; k += 8) {
        const int n = static_cast<int>(std::min<int64_t>(8, K - k));
        const __m256i p = bf16_pairs(n == 8 ? _mm256_loadu_ps(x + k) : V256::load_n(x + k, n));
        int32_t* out = dst + (k / 2) * kMr + r;
        const int64_t units = std::min<int64_t>(4, K2 - k / 2);
        out[0] = _mm256_extract_epi32(p, 0);
        if (units > 1) out[kMr] = _mm256_extract_epi32(p, 2);
        if (units > 2) out[2 * kMr] = _mm256_extract_epi32(p, 4);
        if (units > 3) out[3 * kMr] = _mm256_extract_epi32(p, 6);
      }
    }
  }
}

template <class T>
struct Bf16Gemm {
  using V = typename T::V;
  using Reg = typename V::Reg;
  static constexpr int R = T::kRows, L = T::kLanes, P = 16 / L;

  // The tile at (m, n): sums over all K (dot_tile), then the epilogue for its ml rows and nl
  // columns.
  static void tile(const QGemmArgs& g, int64_t m, int ml, int64_t n, int nl, const Reg (&bias)[P],
                   bool residual_first) {
    const int32_t* ap = g.a_packed + (m / R) * g.Kg * R;
    const int8_t* bp = g.b_packed + (n / 16) * g.Kg * 64;
    Reg acc[R][P];
    dot_tile<T>(g.Kg, ap, bp, acc);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      if (r >= ml) break;
      float* c = g.c + (m + r) * g.ldc + n;
      const float* res = residual_first ? g.residual + (m + r) * g.ldr + n : nullptr;
      for (int v = 0; v < P; ++v) {
        const int lanes = std::clamp(nl - L * v, 0, L);
        if (lanes == 0) break;
        gemm_detail::store_lanes<V>(c + L * v, res ? res + L * v : nullptr,
                                    V::add(acc[r][v], bias[v]), lanes);
      }
    }
  }

  static void block(const QGemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const bool residual_first = g.residual && !g.gelu;
    const gemm_detail::PostFn post =
        gemm_detail::gemm_post_fn<V>(g.gelu, g.fast_math, g.residual && g.gelu);
    for (int64_t n = n0; n < n1; n += 16) {
      const int nl = static_cast<int>(std::min<int64_t>(16, n1 - n));
      Reg bias[P];
      for (int v = 0; v < P; ++v) {
        bias[v] = g.bias ? V::load_n(g.bias + n + L * v, std::clamp(nl - L * v, 0, L)) : V::zero();
      }
      for (int64_t m = m0; m < m1; m += R) {
        const int ml = static_cast<int>(std::min<int64_t>(R, m1 - m));
        tile(g, m, ml, n, nl, bias, residual_first);
      }
      gemm_detail::post_panel(post, g, m0, m1, n, nl);
    }
  }

  static const QGemmIsaKernels& kernels() {
    static const QGemmIsaKernels k{R, 2, &convert_a_bf16<R>, &block};
    return k;
  }
};

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail
