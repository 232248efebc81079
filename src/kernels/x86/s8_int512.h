// The integer ops of the 16-lane (zmm) int8 GEMM kernels (s8_gemm_impl.h's traits; the 8-lane
// ones are S8Int256 there). Include only from the AVX-512 s8_gemm_*.cc files, after
// simd_avx512.h; internal linkage.
#pragma once

#include <cstdint>

#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct S8Int512 {
  using V = V512;
  using I = __m512i;
  static constexpr int kLanes = 16;
  static I set1(int32_t x) { return _mm512_set1_epi32(x); }
  static I bcast(const int32_t* p) { return _mm512_set1_epi32(*p); }  // vpbroadcastd from memory
  static I load(const int8_t* p) { return _mm512_loadu_si512(p); }
  // float(acc - z · sums), as S8Int256::centered.
  static V::Reg centered(I acc, I z, I sums) {
    return _mm512_cvtepi32_ps(_mm512_sub_epi32(acc, _mm512_mullo_epi32(z, sums)));
  }
};

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail
