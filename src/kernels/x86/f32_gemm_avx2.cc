// AVX2 + FMA f32 GEMM (compiled with -mavx2 -mfma): the gemm_impl.h template on 8-float ymm
// vectors. Micro-tile 6 rows × 16 columns (one B panel): 12 accumulators + 2 B vectors + 1
// broadcast fill the 16 ymm registers.
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::gemm_detail {

const GemmIsaKernels& f32_gemm_kernels_avx2() {
  static const GemmIsaKernels kernels = gemm_isa_kernels<V256, 6, 2>(768);
  return kernels;
}

}  // namespace bertc::kernels::x86::gemm_detail
