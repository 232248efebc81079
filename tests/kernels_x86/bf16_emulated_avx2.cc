// See bf16_emulated.h. Compiled with the AVX2 flags (the _avx2.cc suffix).
#include "bf16_emulated.h"
#include "kernels/x86/bf16_gemm_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct EmulatedBf16 {
  using V = V256;
  using I = __m256i;
  static constexpr int kLanes = 8;
  static constexpr int kRows = 6;
  static I bcast(const int32_t* p) { return _mm256_set1_epi32(*p); }
  static I load(const int8_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  }
  // vdpbf16ps: the high halves' product added first, then the low halves' (Intel's order). A bf16
  // widens to float exactly (a shift), and the product of two is exact, so each fma rounds once,
  // as each of vdpbf16ps's additions does.
  static V::Reg dot(V::Reg acc, I a, I b) {
    const I high = _mm256_set1_epi32(static_cast<int32_t>(0xffff0000u));
    auto hi = [&](I x) { return _mm256_castsi256_ps(_mm256_and_si256(x, high)); };
    auto lo = [](I x) { return _mm256_castsi256_ps(_mm256_slli_epi32(x, 16)); };
    acc = _mm256_fmadd_ps(hi(a), hi(b), acc);
    return _mm256_fmadd_ps(lo(a), lo(b), acc);
  }
};

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail

namespace bertc::testing {

const kernels::x86::qgemm_detail::QGemmIsaKernels& bf16_gemm_kernels_emulated() {
  return kernels::x86::qgemm_detail::Bf16Gemm<kernels::x86::qgemm_detail::EmulatedBf16>::kernels();
}

}  // namespace bertc::testing
