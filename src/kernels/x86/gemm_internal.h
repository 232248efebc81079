// Internal interface between the portable GEMM driver (gemm.cc) and the per-ISA kernels
// (f32_gemm_avx512.cc, f32_gemm_avx2.cc). Not for use outside src/kernels/x86/gemm*.
#pragma once

#include <cstdint>

#include "kernels/x86/gemm.h"

namespace bertc::kernels::x86::gemm_detail {

// Epilogue stage flags for one K block of a C tile.
enum : int {
  kFirstK = 1,  // first K block: C is not read (else the partial sum in C is added)
  kLastK = 2,   // last K block: GELU / late residual applied
};

// Where a GEMM (f32 or int8) writes C and what its epilogue adds: shared by both drivers' args.
struct GemmOutput {
  float* c = nullptr;
  int64_t ldc = 0;
  const float* bias = nullptr;
  const float* residual = nullptr;
  int64_t ldr = 0;
  bool gelu = false;
  bool fast_math = true;

  GemmOutput() = default;
  GemmOutput(float* c_, int64_t ldc_, const GemmEpilogue& ep)
      : c(c_), ldc(ldc_), bias(ep.bias), residual(ep.residual), ldr(ep.ldr),
        gelu(ep.activation == GemmActivation::kGelu), fast_math(ep.fast_math) {}
};

// Everything one gemm_run call shares between its tasks.
struct GemmArgs : GemmOutput {
  int64_t M = 0, N = 0, K = 0;
  const float* a = nullptr;  // row-major, lda
  int64_t lda = 0;
  const float* a_packed = nullptr;  // A repacked by the ISA's pack_a (see GemmIsaKernels)
  const float* b_packed = nullptr;  // panels of 16, see gemm.h
  bool residual_first = false;  // add R in the first K block (no activation: allows c == R)
  int64_t kc = 0;               // K block size (the last block may be shorter)
};

// The kernels of one ISA. A is repacked into micro-panels of mr rows: micro-panel i holds
// rows [i*mr, i*mr + mr) as a_packed[(i * K + k) * mr + r] (rows past M are zero), so the
// micro-kernel's broadcasts read one contiguous stream.
struct GemmIsaKernels {
  int mr = 1;        // rows per micro-tile (and per A micro-panel)
  int nr = 16;       // columns per micro-tile (a multiple of 16: nr / 16 B panels)
  int64_t kc = 256;  // largest K block (the driver splits K into equal blocks <= kc)
  // Packs A micro-panels [i0, i1) (all K) into args.a_packed; null: block() reads A in place.
  void (*pack_a)(const GemmArgs& args, int64_t i0, int64_t i1) = nullptr;
  // Computes the C block rows [m0, m1) × columns [n0, n1): m0 a multiple of mr, n0 of nr,
  // m1 <= M, n1 <= N; loops over all K blocks and applies the epilogue.
  void (*block)(const GemmArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1) = nullptr;
  // dst = GELU(src) with this ISA's epilogue numerics.
  void (*gelu)(const float* src, float* dst, int64_t n, bool fast_math) = nullptr;
};

const GemmIsaKernels& f32_gemm_kernels_avx512();
const GemmIsaKernels& f32_gemm_kernels_avx2();

// The argument checks every GEMM entry point shares (shapes, strides, null pointers, the
// activation, overlaps of C with A and the residual), failing with bertc::Error messages that
// start with `who`. False: M or N is 0, nothing to do.
bool check_gemm_call(const char* who, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                     const void* packed_b, const float* c, int64_t ldc, const GemmEpilogue& ep);

// Runs fn(t) for t in [0, n) on the pool's threads (or inline for one thread or one task).
template <typename F>
void run_tasks(cpu::ThreadPool* pool, int64_t n, F&& fn) {
  if (pool && pool->num_threads() > 1 && n > 1) {
    pool->parallel_for(n, [&](int64_t t, int) { fn(t); });
  } else {
    for (int64_t t = 0; t < n; ++t) fn(t);
  }
}

// Exact GELU applied in place to n values (double precision std::erf), shared by all ISAs.
void gelu_exact_inplace(float* x, int64_t n);

}  // namespace bertc::kernels::x86::gemm_detail
