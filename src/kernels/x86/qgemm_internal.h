// Internal interface between the int8 and bf16 GEMM drivers (qgemm.cc, bgemm.cc) and their
// kernels (s8_gemm_*.cc with s8_gemm_impl.h, bf16_gemm_*.cc with bf16_gemm_impl.h): both convert
// A into micro-panels of 32-bit k-groups (four 7-bit values, or a bf16 pair) and share the
// blocking and threading driver. Not for use outside src/kernels/x86/ (and the kernels' tests).
#pragma once

#include <cstdint>

#include "cpu/thread_pool.h"
#include "kernels/x86/gemm_internal.h"

namespace bertc::kernels::x86::qgemm_detail {

// Everything one qgemm_run / bgemm_run call shares between its tasks. A is converted into
// micro-panels of mr rows, by k-groups (Kg = ceil(K / kgroup) per row): a_packed[(i * Kg + kg) *
// mr + r] holds row i·mr + r's values at k = kgroup·kg .. kgroup·kg + kgroup - 1 (lowest first;
// rows past M zero). int8 (kgroup 4): 7-bit values q, k past K the zero point (which meets zero
// weights), a_scales[m] the row's scale and a_zero[m] its zero point. bf16 (kgroup 2): bf16
// values, k past K zero; no scales.
struct QGemmArgs : gemm_detail::GemmOutput {
  int64_t M = 0, N = 0, K = 0, Kg = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* smooth = nullptr;  // int8: [K] multiplying A's columns before quantization, or null
  int32_t* a_packed = nullptr;
  float* a_scales = nullptr;
  int32_t* a_zero = nullptr;
  const int8_t* b_packed = nullptr;  // ir::dense_int8_packed_index, or (bf16) dense_bf16_packed_index
  const int8_t* b_sums = nullptr;    // int8: the column sums (int32, after the values)
  const float* b_scales = nullptr;   // int8: [N]
};

struct QGemmIsaKernels {
  int mr = 1;      // rows per micro-panel
  int kgroup = 4;  // values of A per 32-bit unit: 4 (int8) or 2 (bf16)
  // Converts A's micro-panels [i0, i1) into a_packed (and, int8, a_scales / a_zero).
  void (*convert_a)(const QGemmArgs& args, int64_t i0, int64_t i1) = nullptr;
  // C rows [m0, m1) × columns [n0, n1): m0 a multiple of mr, n0 of 16; with the epilogue.
  void (*block)(const QGemmArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1) = nullptr;
};

const QGemmIsaKernels& s8_gemm_kernels_avx2();
const QGemmIsaKernels& s8_gemm_kernels_avxvnni();
const QGemmIsaKernels& s8_gemm_kernels_avx512();
const QGemmIsaKernels& s8_gemm_kernels_avx512vnni();
const QGemmIsaKernels& bf16_gemm_kernels_avx512bf16();

// qgemm_run's driver (argument checks, A's quantization, blocking and threading) on `kernels`.
void qgemm_run_kernels(const QGemmIsaKernels& kernels, int64_t M, int64_t N, int64_t K, const float* a,
                       int64_t lda, const int8_t* packed_b, const float* b_scales, float* c, int64_t ldc,
                       const GemmEpilogue& epilogue, cpu::ThreadPool* pool, const float* smooth);

// The k-loop of the kernels with a dot instruction (int8: vpdpbusd, bf16: vdpbf16ps; T::dot(acc,
// a, b) adds a lane's k-group products to acc): acc starts at zero; per k-group, the panel's
// 16 / kLanes B vectors (64 bytes per k-group, T::load) are loaded once and each row's broadcast
// group (T::bcast) meets them.
template <class T, class Acc>
void dot_tile(int64_t kg, const int32_t* __restrict ap, const int8_t* __restrict bp,
              Acc (&acc)[T::kRows][16 / T::kLanes]) {
  constexpr int R = T::kRows, P = 16 / T::kLanes;
  using I = typename T::I;
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 2
    for (int v = 0; v < P; ++v) acc[r][v] = Acc{};  // a vector of zeros
  }
  for (int64_t k = 0; k < kg; ++k) {
    I b[P];
#pragma GCC unroll 2
    for (int v = 0; v < P; ++v) b[v] = T::load(bp + k * 64 + v * T::kLanes * 4);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) {
      const I a = T::bcast(ap + k * R + r);
#pragma GCC unroll 2
      for (int v = 0; v < P; ++v) acc[r][v] = T::dot(acc[r][v], a, b[v]);
    }
  }
}

// bgemm_run's driver on `kernels` (a bf16 kernel: kgroup 2).
void bgemm_run_kernels(const QGemmIsaKernels& kernels, int64_t M, int64_t N, int64_t K, const float* a,
                       int64_t lda, const int32_t* packed_b, float* c, int64_t ldc, const GemmEpilogue& epilogue,
                       cpu::ThreadPool* pool);

// What both drivers share once `args` is filled but for Kg and A's buffers: A's conversion into
// scratch, then the blocks of C on the pool's threads.
void run_packed_a(const QGemmIsaKernels& kernels, QGemmArgs& args, cpu::ThreadPool* pool);

}  // namespace bertc::kernels::x86::qgemm_detail
