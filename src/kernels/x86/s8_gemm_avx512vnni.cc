// AVX-512 VNNI int8 GEMM (compiled with the AVX-512 flags and -mavx512vnni; Cascade Lake, Ice
// Lake, Zen 4 and later): vpdpbusd on zmm adds a k-quad's four u8 × s8 products to each of 16
// int32 lanes, so one register holds a row's 16-column panel. Micro-tile 16 rows × 16 columns:
// 16 accumulators (enough independent chains for vpdpbusd's latency), the panel's B vector and a
// row's broadcast quad. Tile loop and epilogue: s8_gemm_impl.h, with V512's float epilogue.
#include "kernels/x86/simd_avx512.h"
#include "kernels/x86/s8_gemm_impl.h"
#include "kernels/x86/s8_int512.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct Avx512Vnni : S8Int512 {
  static constexpr int kRows = 16;
  static I dot(I acc, I a, I b) { return _mm512_dpbusd_epi32(acc, a, b); }
};

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avx512vnni() { return S8Gemm<Avx512Vnni>::kernels(); }

}  // namespace bertc::kernels::x86::qgemm_detail
