// int8 GEMM with per-column int8 weights and per-row 7-bit activations (bertc.DenseInt8) — the
// numbers are ir/int8_quantization.h's:
//
//   C[M×N] = act(float(quant(A) · Wq) · (scale_m · scale_n) + bias[N]) + R[M×N]
//
// A (float32, row-major, row stride lda) is quantized per row on every call; Wq is quantized and
// packed once (qgemm_pack_b: the layout of ir::dense_int8_packed_index) with its column scales.
// The integer sums are exact (int16 sums of four products into int32, no saturation: 0 <= q <=
// 127, |Wq| <= 64) and identical on every ISA; only the float epilogue
// (dequantize, bias, GELU as in gemm.h, residual) rounds. Aliasing as gemm.h: C may be R when
// there is no activation.
//
// Kernels (QGemmKernel): AVX2 (vpmaddubsw, vpaddw, vpmaddwd), AVX-VNNI (vpdpbusd on ymm),
// AVX-512BW (vpmaddubsw, vpmaddwd on zmm) and AVX-512 VNNI (vpdpbusd on zmm). Isa::kRef has
// none: the reference backend's bertc.DenseInt8 kernel computes the same sums as all of them.
#pragma once

#include <cstdint>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "kernels/x86/gemm.h"

namespace bertc::kernels::x86 {

// Quantizes W (K×N row-major, row stride ldw) per column into `packed`
// (ir::dense_int8_packed_size(K, N) bytes, any alignment) and `scales` (N floats). K <= 65,535.
// Throws bertc::Error on bad arguments.
// With `smooth` (K floats, or null), W(k, n) / smooth[k] is quantized (the weights' side of
// smoothing, ir/int8_quantization.h).
void qgemm_pack_b(const float* w, int64_t ldw, int64_t K, int64_t N, int8_t* packed, float* scales,
                  const float* smooth = nullptr);

enum class QGemmKernel { kAvx2, kAvxVnni, kAvx512Bw, kAvx512Vnni };

// "avx2", "avx_vnni", "avx512bw", "avx512_vnni".
const char* qgemm_kernel_name(QGemmKernel kernel);

// Whether this CPU (and OS) runs `kernel`: AVX2; AVX2 and AVX-VNNI; AVX-512 (F, BW, DQ, VL); that
// and AVX-512 VNNI.
bool qgemm_kernel_supported(QGemmKernel kernel);

// The fastest kernel that code for `isa` may use on this CPU (so BERTC_ISA=avx2 keeps the zmm
// kernels out): for kAvx512, AVX-512 VNNI, else AVX-512BW; for kAvx2, AVX-VNNI, else AVX2.
// Throws bertc::Error for Isa::kRef or an ISA this CPU lacks.
QGemmKernel qgemm_kernel_for(cpu::Isa isa);

// Whether `isa` has an int8 GEMM kernel (every x86 ISA; not kRef).
bool qgemm_supported(cpu::Isa isa);

// C = epilogue(dequant(quant(A ⊙ smooth) · Wq)) with `kernel` (refused when this CPU lacks it),
// on the threads of `pool` (null: the calling thread); smooth: K floats multiplying A's columns
// before quantization, or null. Requirements as gemm_run, and K <= 65,535.
void qgemm_run(QGemmKernel kernel, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
               const int8_t* packed_b, const float* b_scales, float* c, int64_t ldc,
               const GemmEpilogue& epilogue = {}, cpu::ThreadPool* pool = nullptr, const float* smooth = nullptr);

}  // namespace bertc::kernels::x86
