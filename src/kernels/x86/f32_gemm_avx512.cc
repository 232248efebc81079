// AVX-512 f32 GEMM (compiled with -mavx512f/bw/dq/vl): the gemm_impl.h template on 16-float
// zmm vectors. Micro-tile 8 rows × 48 columns: 24 accumulators + 3 B vectors + 1 broadcast of
// the 32 zmm registers; per k, 3 loads and 8 broadcasts feed 24 FMAs.
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86::gemm_detail {

const GemmIsaKernels& f32_gemm_kernels_avx512() {
  // K blocks of <= 1536: BERT's K = 768 in one block, 3072 in two.
  static const GemmIsaKernels kernels = gemm_isa_kernels<V512, true, 8, 3>(1536);
  return kernels;
}

}  // namespace bertc::kernels::x86::gemm_detail
