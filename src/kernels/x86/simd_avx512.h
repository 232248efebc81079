// V512: 16 float lanes in a zmm register, the vector type the shared kernel templates
// (*_impl.h) are instantiated with in the *_avx512.cc files. Include ONLY from files compiled
// with the AVX-512 flags; everything here has internal linkage (anonymous namespace), so no
// AVX-512 code can be picked by the linker for another file.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/simd_common.h"

// GCC 12 warns about _mm512_undefined_ps() / _mm256_undefined_pd() inside its own intrinsics
// headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

namespace bertc::kernels::x86 {
namespace {

struct V512 {
  using Reg = __m512;
  static constexpr int kWidth = 16;
  static constexpr int kRegisters = 32;
  static constexpr const char* kIsa = "avx512";

  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg load(const float* p) { return _mm512_load_ps(p); }  // 64-byte aligned
  static Reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  // The first n (0 <= n <= 16) lanes from p, zeros elsewhere; reads only those n floats.
  static Reg load_n(const float* p, int n) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p);
  }
  static void store(float* p, Reg v) { _mm512_store_ps(p, v); }
  static void storeu(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static void store_n(float* p, Reg v, int n) {
    _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1u), v);
  }
  // As load_n, with `fill` in lanes n..
  static Reg load_n_or(const float* p, int n, float fill) {
    return _mm512_mask_loadu_ps(_mm512_set1_ps(fill), static_cast<__mmask16>((1u << n) - 1u), p);
  }
  // v with lanes n.. set to 0.
  static Reg keep_n(Reg v, int n) {
    return _mm512_maskz_mov_ps(static_cast<__mmask16>((1u << n) - 1u), v);
  }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  // max(a, b) / min(a, b); when either is NaN the result is b (x86 semantics).
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm512_min_ps(a, b); }
  static float reduce_add(Reg v) { return _mm512_reduce_add_ps(v); }
  static float reduce_max(Reg v) { return _mm512_reduce_max_ps(v); }
  // Lanes of `a` equal to -inf replaced by `b`.
  static Reg replace_neg_inf(Reg a, Reg b) {
    const __mmask16 m = _mm512_cmp_ps_mask(a, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
    return _mm512_mask_blend_ps(m, a, b);
  }
  static bool any_neg_inf(Reg a) {
    return _mm512_cmp_ps_mask(a, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ) != 0;
  }

  // Lanes where c is -inf take b, the others a.
  static Reg select_neg_inf(Reg c, Reg a, Reg b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(c, _mm512_set1_ps(-__builtin_inff()), _CMP_EQ_OQ), a, b);
  }

  // In-register transpose of the 16×16 matrix whose rows are r[0..15]: afterwards r[i] holds
  // column i. 64 shuffles (unpack, shuffle_ps, two rounds of shuffle_f32x4).
  static void transpose(Reg* r) {
    Reg t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
      t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
    }
    // u[4g + c], 128-bit lane l: column 4l + c of rows 4g .. 4g + 3.
    for (int g = 0; g < 4; ++g) {
      const Reg* tg = t + 4 * g;
      u[4 * g + 0] = _mm512_shuffle_ps(tg[0], tg[2], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 1] = _mm512_shuffle_ps(tg[0], tg[2], _MM_SHUFFLE(3, 2, 3, 2));
      u[4 * g + 2] = _mm512_shuffle_ps(tg[1], tg[3], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 3] = _mm512_shuffle_ps(tg[1], tg[3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; ++c) {
      // v: columns c and 8 + c (0x88) / 4 + c and 12 + c (0xdd) of rows 0-7; w: rows 8-15.
      const Reg v_lo = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
      const Reg v_hi = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd);
      const Reg w_lo = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
      const Reg w_hi = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
      r[c] = _mm512_shuffle_f32x4(v_lo, w_lo, 0x88);
      r[8 + c] = _mm512_shuffle_f32x4(v_lo, w_lo, 0xdd);
      r[4 + c] = _mm512_shuffle_f32x4(v_hi, w_hi, 0x88);
      r[12 + c] = _mm512_shuffle_f32x4(v_hi, w_hi, 0xdd);
    }
  }

  // exp, fast: see kernels_x86.h. The argument is clamped to [-104, 89] (NaN passes through:
  // max/min return their second operand on NaN); vscalefps applies 2^n with correct
  // underflow (to 0) and overflow (to inf).
  static Reg exp_fast(Reg x) {
    using namespace simd_const;
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    const Reg n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    Reg r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
    Reg p = _mm512_set1_ps(kExpP0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpP1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpP2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpP3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpP4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpP5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
    p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
  }

  // exp of 8 doubles (x already clamped to [-104, 89] or NaN): n = round(x log2 e),
  // r = x - n ln2 (two-part ln2), Taylor to degree 11 (|r| <= 0.347: truncation < 1e-13).
  static __m512d exp_pd(__m512d x) {
    using namespace simd_const;
    const __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(kLog2eD)),
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(kLn2HiD), x);
    r = _mm512_fnmadd_pd(n, _mm512_set1_pd(kLn2LoD), r);
    __m512d p = _mm512_set1_pd(kInvFact[11]);
    for (int k = 10; k >= 0; --k) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(kInvFact[k]));
    return _mm512_scalef_pd(p, n);
  }

  // exp, precise: see kernels_x86.h.
  static Reg exp_precise(Reg x) {
    x = _mm512_max_ps(_mm512_set1_ps(-104.0f), x);
    x = _mm512_min_ps(_mm512_set1_ps(89.0f), x);
    const __m256 lo = _mm512_cvtpd_ps(exp_pd(_mm512_cvtps_pd(_mm512_castps512_ps256(x))));
    const __m256 hi = _mm512_cvtpd_ps(exp_pd(_mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1))));
    return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
  }

  template <bool kFast>
  static Reg exp(Reg x) {
    if constexpr (kFast) {
      return exp_fast(x);
    } else {
      return exp_precise(x);
    }
  }
};

}  // namespace
}  // namespace bertc::kernels::x86
