// AVX-512 BF16 GEMM (compiled with the AVX-512 flags and -mavx512bf16; Cooper Lake, Sapphire
// Rapids, Zen 4 and later): vdpbf16ps on zmm adds a k-pair's two bf16 products to each of 16
// float lanes, so one register holds a row's 16-column panel. Micro-tile 16 rows × 16 columns:
// 16 accumulators (enough independent chains for vdpbf16ps's latency), the panel's B vector and
// a row's broadcast pair. A's conversion, tile loop and epilogue: bf16_gemm_impl.h, with V512's
// float epilogue.
#include "kernels/x86/bf16_gemm_impl.h"
#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct Avx512Bf16 {
  using V = V512;
  using I = __m512i;
  static constexpr int kLanes = 16;
  static constexpr int kRows = 16;
  static I bcast(const int32_t* p) { return _mm512_set1_epi32(*p); }  // vpbroadcastd from memory
  static I load(const int8_t* p) { return _mm512_loadu_si512(p); }
  static V::Reg dot(V::Reg acc, I a, I b) {
    return _mm512_dpbf16_ps(acc, (__m512bh)a, (__m512bh)b);
  }
};

}  // namespace

const QGemmIsaKernels& bf16_gemm_kernels_avx512bf16() { return Bf16Gemm<Avx512Bf16>::kernels(); }

}  // namespace bertc::kernels::x86::qgemm_detail
