// bf16 GEMM with bf16 weights and float32 sums (bertc.DenseBf16):
//
//   C[M×N] = act(bf16(A) · Wb + bias[N]) + R[M×N]
//
// A (float32, row-major, row stride lda) is rounded to bf16 on every call (ir/bf16.h, ties to
// even); Wb is rounded and packed once (bgemm_pack_b: the layout of ir::dense_bf16_packed_index).
// The products of two bf16 values are exact; they are summed in float32 by vdpbf16ps (two
// products per lane and instruction), then the epilogue (bias, GELU as in gemm.h, residual) as
// the f32 GEMM's. Aliasing as gemm.h: C may be R when there is no activation.
//
// One kernel: AVX-512 BF16 (vdpbf16ps on zmm), on CPUs with avx512_bf16 (Cooper Lake, Sapphire
// Rapids, Zen 4 and later). Elsewhere bf16 is refused, never emulated slowly: Isa::kRef runs
// the reference kernel (kernels/ref), which users only get by asking for BERTC_ISA=ref.
#pragma once

#include <cstdint>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "kernels/x86/gemm.h"

namespace bertc::kernels::x86 {

// Rounds W (K×N row-major, row stride ldw) to bf16 into `packed`
// (ir::dense_bf16_packed_size(K, N) int32 units, any alignment). Throws bertc::Error on bad
// arguments.
void bgemm_pack_b(const float* w, int64_t ldw, int64_t K, int64_t N, int32_t* packed);

// Whether this CPU (and OS) runs the bf16 kernel: AVX-512 (F, BW, DQ, VL) and AVX512_BF16.
bool bgemm_kernel_supported();

// Whether code for `isa` may use it here: `isa` is kAvx512 and the CPU runs it.
bool bgemm_supported(cpu::Isa isa);

// Whether a bf16 model runs at `isa` here: on this kernel, or (Isa::kRef, which the user asks
// for with BERTC_ISA=ref) on the reference kernel. Elsewhere bf16 is refused.
inline bool bf16_runs(cpu::Isa isa) { return isa == cpu::Isa::kRef || bgemm_supported(isa); }

// C = epilogue(bf16(A) · Wb) on the threads of `pool` (null: the calling thread); refused
// (bertc::Error) when this CPU lacks the kernel. Requirements as gemm_run.
void bgemm_run(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
               const int32_t* packed_b, float* c, int64_t ldc, const GemmEpilogue& epilogue = {},
               cpu::ThreadPool* pool = nullptr);

}  // namespace bertc::kernels::x86
