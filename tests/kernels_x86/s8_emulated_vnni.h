// The int8 GEMM template of the VNNI kernels (src/kernels/x86/s8_gemm_impl.h, dot_tile) with
// vpdpbusd emulated exactly in AVX2 (s8_emulated_vnni_avx2.cc): this CPU may lack VNNI, so the
// template's tile loop, k-quad walk and epilogue are tested here on any AVX2 CPU, and the VNNI
// kernels differ from it only in the dot instruction (and, for AVX-512, the vector width). The
// emulation is the AVX-512BW kernel's dot on ymm.
#pragma once

#include "kernels/x86/qgemm_internal.h"

namespace bertc::testing {

// 6 × 16 micro-tiles of two ymm vectors per row, as the AVX-VNNI kernel. Needs AVX2.
const kernels::x86::qgemm_detail::QGemmIsaKernels& s8_gemm_kernels_emulated_vnni();

}  // namespace bertc::testing
