// Shared template of the int8 GEMM kernels (s8_gemm_*.cc): the tile loop and the epilogue of
// qgemm.h's contract, instantiated once per kernel with its traits T:
//   T::V                  the float vector type (V256 / V512): the epilogue's float numerics
//   T::I                  the matching integer vector (kLanes int32 lanes)
//   T::kRows              rows per micro-tile (= rows per A micro-panel, s8_quantize_a.h)
//   T::set1 / bcast / load / centered   integer vector ops (S8Int256 below)
//   T::dot(acc, a, b)     a k-quad dot instruction (vpdpbusd's contract, see dot_tile), or
//   T::sums(k4, ap, bp, acc)   the micro-tile's own k-loop: acc[r][v] lane j = the exact
//                         sum_k q(row r, k) · Wq(k, column 16·panel + kLanes·v + j) over k4 k-quads
// A tile is kRows rows × one 16-column B panel (16 / kLanes vectors per row). The epilogue
// subtracts the zero point times the column sums (the centered sum), dequantizes and adds the
// bias in one fma (float(S) · (scale_m · scale_n) + bias), and adds a residual that needs no
// activation first; GELU (and a residual after it) is gemm_impl.h's post-pass, so the float
// numerics are the f32 GEMM's.
// Include only from the s8_gemm_*.cc files, after their simd header; internal linkage.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/s8_quantize_a.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

// The integer ops of 8-lane (ymm) kernels.
struct S8Int256 {
  using V = V256;
  using I = __m256i;
  static constexpr int kLanes = 8;
  static I set1(int32_t x) { return _mm256_set1_epi32(x); }
  static I bcast(const int32_t* p) { return _mm256_set1_epi32(*p); }  // vpbroadcastd from memory
  static I load(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  // float(acc - z · sums), exact below 2^24 and rounded once above, as every kernel does.
  static V::Reg centered(I acc, I z, I sums) {
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(acc, _mm256_mullo_epi32(z, sums)));
  }
};

template <class T>
struct S8Gemm {
  using V = typename T::V;
  using Reg = typename V::Reg;
  using I = typename T::I;
  static constexpr int R = T::kRows, L = T::kLanes, P = 16 / L;

  // The tile at (m, n): sums over all K, then the epilogue for its ml rows and nl columns.
  static void tile(const QGemmArgs& g, int64_t m, int ml, int64_t n, int nl, const Reg (&ws)[P],
                   const Reg (&bias)[P], const I (&sums)[P], bool residual_first) {
    I acc[R][P];
    const int32_t* ap = g.a_packed + (m / R) * g.Kg * R;
    const int8_t* bp = g.b_packed + (n / 16) * g.Kg * 64;
    if constexpr (requires { T::sums(g.Kg, ap, bp, acc); }) {
      T::sums(g.Kg, ap, bp, acc);
    } else {
      dot_tile<T>(g.Kg, ap, bp, acc);
    }
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      if (r >= ml) break;
      const Reg as = V::set1(g.a_scales[m + r]);
      const I z = T::set1(g.a_zero[m + r]);
      float* c = g.c + (m + r) * g.ldc + n;
      const float* res = residual_first ? g.residual + (m + r) * g.ldr + n : nullptr;
      for (int v = 0; v < P; ++v) {
        const int lanes = std::clamp(nl - L * v, 0, L);
        if (lanes == 0) break;
        const Reg x = V::fmadd(T::centered(acc[r][v], z, sums[v]), V::mul(as, ws[v]), bias[v]);
        gemm_detail::store_lanes<V>(c + L * v, res ? res + L * v : nullptr, x, lanes);
      }
    }
  }

  static void block(const QGemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const bool residual_first = g.residual && !g.gelu;
    const gemm_detail::PostFn post = gemm_detail::gemm_post_fn<V>(g.gelu, g.fast_math, g.residual && g.gelu);
    for (int64_t n = n0; n < n1; n += 16) {
      const int nl = static_cast<int>(std::min<int64_t>(16, n1 - n));
      Reg ws[P], bias[P];
      I sums[P];
      for (int v = 0; v < P; ++v) {
        const int lanes = std::clamp(nl - L * v, 0, L);
        ws[v] = V::load_n(g.b_scales + n + L * v, lanes);
        bias[v] = g.bias ? V::load_n(g.bias + n + L * v, lanes) : V::zero();
        sums[v] = T::load(g.b_sums + 4 * (n + L * v));  // padded to 16 columns
      }
      for (int64_t m = m0; m < m1; m += R) {
        const int ml = static_cast<int>(std::min<int64_t>(R, m1 - m));
        tile(g, m, ml, n, nl, ws, bias, sums, residual_first);
      }
      gemm_detail::post_panel(post, g, m0, m1, n, nl);
    }
  }

  static const QGemmIsaKernels& kernels() {
    static const QGemmIsaKernels k{R, 4, &quantize_a<R>, &block};
    return k;
  }
};

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail
