// The bf16 GEMM template (src/kernels/x86/bf16_gemm_impl.h) with vdpbf16ps emulated in AVX2
// (bf16_emulated_avx2.cc): this CPU may lack avx512_bf16, so A's conversion, the template's tile
// loop, k-pair walk and epilogue are tested here on any AVX2 CPU; the AVX-512 BF16 kernel differs
// from it only in the dot instruction and the vector width.
#pragma once

#include "kernels/x86/qgemm_internal.h"

namespace bertc::testing {

// 6 × 16 micro-tiles of two ymm vectors per row. Needs AVX2.
const kernels::x86::qgemm_detail::QGemmIsaKernels& bf16_gemm_kernels_emulated();

}  // namespace bertc::testing
