// AVX-512BW int8 GEMM (compiled with the AVX-512 flags), for AVX-512 CPUs without VNNI
// (Skylake-SP / X): vpmaddubsw adds a k-quad's products in pairs into int16 (exact: 2 · 127 · 64
// < 32,768) and vpmaddwd with ones adds the pairs into int32 lanes — vpdpbusd's sum in three
// instructions, on 16 lanes. Micro-tile 12 rows × 16 columns (with 16, GCC spilled accumulators);
// tile loop and epilogue: s8_gemm_impl.h.
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/s8_gemm_impl.h"
#include "kernels/x86/s8_int512.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct Avx512Bw : S8Int512 {
  static constexpr int kRows = 12;
  static I dot(I acc, I a, I b) {
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), _mm512_set1_epi16(1)));
  }
};

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avx512() { return S8Gemm<Avx512Bw>::kernels(); }

}  // namespace bertc::kernels::x86::qgemm_detail
