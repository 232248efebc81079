// AVX2 + FMA f32 GEMM (compiled with -mavx2 -mfma): the gemm_impl.h template on 8-float ymm
// vectors. Micro-tile 6 rows × 16 columns (one B panel): 12 accumulators + 2 B vectors + 1
// broadcast fill the 16 ymm registers. A is broadcast from its rows in place (6 streams), as
// MLAS does on AVX2: no packing pass and no barrier before the blocks (on the 2-core Zen 3,
// BERT-base 1×128 on one thread 292 -> 282 ms, medians of 5 alternated runs; the GEMM
// benchmark's 2-thread FFN-down 70 -> 85% of peak in one run, but this VM's runs vary ±15%).
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::gemm_detail {

const GemmIsaKernels& f32_gemm_kernels_avx2() {
  static const GemmIsaKernels kernels = gemm_isa_kernels<V256, false, 6, 2>(768);
  return kernels;
}

}  // namespace bertc::kernels::x86::gemm_detail
