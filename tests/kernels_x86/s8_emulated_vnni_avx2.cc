// See s8_emulated_vnni.h. Compiled with the AVX2 flags (the _avx2.cc suffix).
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/s8_gemm_impl.h"
#include "s8_emulated_vnni.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct EmulatedVnni : S8Int256 {
  static constexpr int kRows = 6;
  // vpdpbusd: acc + the sum of each lane's four u8 × s8 products. vpmaddubsw's int16 pair sums
  // are exact here (2 · 127 · 64 < 32,768), and vpmaddwd with ones adds the pairs into int32.
  static I dot(I acc, I a, I b) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), _mm256_set1_epi16(1)));
  }
};

}  // namespace
}  // namespace bertc::kernels::x86::qgemm_detail

namespace bertc::testing {

const kernels::x86::qgemm_detail::QGemmIsaKernels& s8_gemm_kernels_emulated_vnni() {
  return kernels::x86::qgemm_detail::S8Gemm<kernels::x86::qgemm_detail::EmulatedVnni>::kernels();
}

}  // namespace bertc::testing
