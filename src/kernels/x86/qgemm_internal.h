// Internal interface between the int8 GEMM driver (qgemm.cc) and its kernels (s8_gemm_*.cc,
// with s8_gemm_impl.h). Not for use outside src/kernels/x86/ (and the kernels' tests).
#pragma once

#include <cstdint>

#include "cpu/thread_pool.h"
#include "kernels/x86/gemm_internal.h"

namespace bertc::kernels::x86::qgemm_detail {

// Everything one qgemm_run call shares between its tasks. A is quantized into micro-panels
// of mr rows, by k-quads: a_packed[(i * K4 + kq) * mr + r] holds row i·mr + r's 7-bit values q
// at k = 4kq .. 4kq + 3 (lowest byte first; rows past M zero, k past K the zero point, which
// meets zero weights), a_scales[m] its scale and a_zero[m] its zero point.
struct QGemmArgs : gemm_detail::GemmOutput {
  int64_t M = 0, N = 0, K = 0, K4 = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* smooth = nullptr;  // [K] multiplying A's columns before quantization, or null
  int32_t* a_packed = nullptr;
  float* a_scales = nullptr;
  int32_t* a_zero = nullptr;
  const int8_t* b_packed = nullptr;  // ir::dense_int8_packed_index
  const int8_t* b_sums = nullptr;    // its column sums (int32, after the values)
  const float* b_scales = nullptr;   // [N]
};

struct QGemmIsaKernels {
  int mr = 1;  // rows per micro-panel
  // Quantizes A's micro-panels [i0, i1) into a_packed / a_scales.
  void (*quantize_a)(const QGemmArgs& args, int64_t i0, int64_t i1) = nullptr;
  // C rows [m0, m1) × columns [n0, n1): m0 a multiple of mr, n0 of 16; with the epilogue.
  void (*block)(const QGemmArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1) = nullptr;
};

const QGemmIsaKernels& s8_gemm_kernels_avx2();
const QGemmIsaKernels& s8_gemm_kernels_avxvnni();
const QGemmIsaKernels& s8_gemm_kernels_avx512();
const QGemmIsaKernels& s8_gemm_kernels_avx512vnni();

// qgemm_run's driver (argument checks, A's quantization, blocking and threading) on `kernels`.
void qgemm_run_kernels(const QGemmIsaKernels& kernels, int64_t M, int64_t N, int64_t K, const float* a,
                       int64_t lda, const int8_t* packed_b, const float* b_scales, float* c, int64_t ldc,
                       const GemmEpilogue& epilogue, cpu::ThreadPool* pool, const float* smooth);

}  // namespace bertc::kernels::x86::qgemm_detail
