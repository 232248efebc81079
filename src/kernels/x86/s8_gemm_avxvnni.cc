// AVX-VNNI int8 GEMM (compiled with -mavx2 -mfma -mavxvnni; Alder Lake, Zen 5 and later): the
// VEX form of vpdpbusd adds a k-quad's four u8 × s8 products to each int32 lane in one
// instruction, with no int16 step (so nothing to saturate even past the 7-bit / ±64 ranges the
// sums are defined on). Micro-tile 6 rows × 16 columns: 12 accumulators, the panel's two B
// vectors and a row's broadcast quad in the 16 ymm registers. Tile loop and epilogue:
// s8_gemm_impl.h.
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/s8_gemm_impl.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

struct AvxVnni : S8Int256 {
  static constexpr int kRows = 6;
  static I dot(I acc, I a, I b) { return _mm256_dpbusd_avx_epi32(acc, a, b); }
};

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avxvnni() { return S8Gemm<AvxVnni>::kernels(); }

}  // namespace bertc::kernels::x86::qgemm_detail
