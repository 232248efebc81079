// V256: 8 float lanes in a ymm register (AVX2 + FMA), the vector type the shared kernel
// templates (*_impl.h) are instantiated with in the *_avx2.cc files. Include ONLY from files
// compiled with the AVX2 flags; everything here has internal linkage (anonymous namespace).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/simd_common.h"

namespace bertc::kernels::x86 {
namespace {

// kLaneMask[8 - n .. 16 - n) is the maskload/maskstore mask of the first n lanes.
alignas(64) constexpr int32_t kLaneMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                               0,  0,  0,  0,  0,  0,  0,  0};

struct V256 {
  using Reg = __m256;
  static constexpr int kWidth = 8;
  static constexpr int kRegisters = 16;
  static constexpr const char* kIsa = "avx2";

  static __m256i lane_mask(int n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLaneMask + 8 - n));
  }
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg load(const float* p) { return _mm256_load_ps(p); }  // 32-byte aligned
  static Reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  // The first n (0 <= n <= 8) lanes from p, zeros elsewhere; masked lanes are not accessed.
  static Reg load_n(const float* p, int n) { return _mm256_maskload_ps(p, lane_mask(n)); }
  static void store(float* p, Reg v) { _mm256_store_ps(p, v); }
  static void storeu(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static void store_n(float* p, Reg v, int n) { _mm256_maskstore_ps(p, lane_mask(n), v); }
  // As load_n, with `fill` in lanes n..
  static Reg load_n_or(const float* p, int n, float fill) {
    const __m256i m = lane_mask(n);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  // v with lanes n.. set to 0.
  static Reg keep_n(Reg v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(lane_mask(n))); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  // max(a, b) / min(a, b); when either is NaN the result is b (x86 semantics).
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm256_min_ps(a, b); }
  static float reduce_add(Reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float reduce_min(Reg v) {
    __m128 s = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_min_ps(s, _mm_movehl_ps(s, s));
    s = _mm_min_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float reduce_max(Reg v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  // Lanes of `a` equal to -inf replaced by `b`.
  static Reg replace_neg_inf(Reg a, Reg b) {
    const Reg m = _mm256_cmp_ps(a, _mm256_set1_ps(-__builtin_inff()), _CMP_EQ_OQ);
    return _mm256_blendv_ps(a, b, m);
  }
  static bool any_neg_inf(Reg a) {
    return _mm256_movemask_ps(_mm256_cmp_ps(a, _mm256_set1_ps(-__builtin_inff()), _CMP_EQ_OQ)) != 0;
  }

  // Lanes where c is -inf take b, the others a.
  static Reg select_neg_inf(Reg c, Reg a, Reg b) {
    return _mm256_blendv_ps(a, b, _mm256_cmp_ps(c, _mm256_set1_ps(-__builtin_inff()), _CMP_EQ_OQ));
  }

  // In-register transpose of the 8×8 matrix whose rows are r[0..7]: afterwards r[i] holds
  // column i. 24 shuffles.
  static void transpose(Reg* r) {
    Reg t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
      t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
      t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    // u[4g + c], 128-bit lane l: column 4l + c of rows 4g .. 4g + 3.
    for (int g = 0; g < 2; ++g) {
      const Reg* tg = t + 4 * g;
      u[4 * g + 0] = _mm256_shuffle_ps(tg[0], tg[2], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 1] = _mm256_shuffle_ps(tg[0], tg[2], _MM_SHUFFLE(3, 2, 3, 2));
      u[4 * g + 2] = _mm256_shuffle_ps(tg[1], tg[3], _MM_SHUFFLE(1, 0, 1, 0));
      u[4 * g + 3] = _mm256_shuffle_ps(tg[1], tg[3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; ++c) {
      r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
      r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
  }

  // exp, fast: see kernels_x86.h. 2^n is built in the exponent field, so the argument is
  // clamped to [-87, 88.376] (n in [-126, 127]); results for x < -87 are forced to 0,
  // for x > 88.376 to inf.
  static Reg exp_fast(Reg x) {
    using namespace simd_const;
    const Reg lo = _mm256_set1_ps(-87.0f);
    const Reg hi = _mm256_set1_ps(88.3762626647949f);
    const Reg underflow = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    const Reg overflow = _mm256_cmp_ps(x, hi, _CMP_GT_OQ);
    x = _mm256_max_ps(lo, x);  // NaN stays NaN
    x = _mm256_min_ps(hi, x);
    const Reg n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    Reg r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
    Reg p = _mm256_set1_ps(kExpP0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    const Reg y = _mm256_andnot_ps(underflow, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
    return _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_inff()), overflow);
  }

  // exp of 4 doubles (x already clamped to [-104, 89] or NaN), as V512::exp_pd; 2^n built in
  // the exponent field of a double (n in [-150, 129] is a normal double).
  static __m256d exp_pd(__m256d x) {
    using namespace simd_const;
    const __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(kLog2eD)),
                                      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2HiD), x);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(kLn2LoD), r);
    __m256d p = _mm256_set1_pd(kInvFact[11]);
    for (int k = 10; k >= 0; --k) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(kInvFact[k]));
    const __m256i ni = _mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(n));
    const __m256i e = _mm256_slli_epi64(_mm256_add_epi64(ni, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(e));
  }

  // exp, precise: see kernels_x86.h.
  static Reg exp_precise(Reg x) {
    x = _mm256_max_ps(_mm256_set1_ps(-104.0f), x);
    x = _mm256_min_ps(_mm256_set1_ps(89.0f), x);
    const __m128 lo = _mm256_cvtpd_ps(exp_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(x))));
    const __m128 hi = _mm256_cvtpd_ps(exp_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1))));
    return _mm256_insertf128_ps(_mm256_castps128_ps256(lo), hi, 1);
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
