// Portable part of the bf16 GEMM: rounding and packing W, the kernel check and the driver (the
// int8 GEMM's, qgemm_internal.h, with bf16 pairs as A's k-groups).
#include "kernels/x86/bgemm.h"

#include <algorithm>
#include <string>

#include "bertc/error.h"
#include "ir/bf16.h"
#include "ir/packed_weights.h"
#include "kernels/x86/qgemm_internal.h"

namespace bertc::kernels::x86 {

void bgemm_pack_b(const float* w, int64_t ldw, int64_t K, int64_t N, int32_t* packed) {
  if (K < 0 || N < 0)
    throw Error("bgemm_pack_b: negative shape K=" + std::to_string(K) + " N=" + std::to_string(N));
  if (K == 0 || N == 0) return;
  if (!w || !packed) throw Error("bgemm_pack_b: null pointer");
  if (ldw < N)
    throw Error("bgemm_pack_b: ldw=" + std::to_string(ldw) + " < N=" + std::to_string(N));
  std::fill(packed, packed + ir::dense_bf16_packed_size(K, N), int32_t{0});
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t n = 0; n < N; ++n) {
      const uint32_t half = ir::f32_to_bf16(w[k * ldw + n]);
      uint32_t& unit = reinterpret_cast<uint32_t&>(packed[ir::dense_bf16_packed_index(K, k, n)]);
      unit |= k % 2 ? half << 16 : half;
    }
  }
}

bool bgemm_kernel_supported() {
  return cpu::isa_supported(cpu::Isa::kAvx512) && cpu::has_extension("avx512_bf16");
}

bool bgemm_supported(cpu::Isa isa) { return isa == cpu::Isa::kAvx512 && bgemm_kernel_supported(); }

void bgemm_run(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
               const int32_t* packed_b, float* c, int64_t ldc, const GemmEpilogue& ep,
               cpu::ThreadPool* pool) {
  if (!bgemm_kernel_supported()) throw Error("bgemm: this CPU has no avx512_bf16 (vdpbf16ps)");
  qgemm_detail::bgemm_run_kernels(qgemm_detail::bf16_gemm_kernels_avx512bf16(), M, N, K, a, lda,
                                  packed_b, c, ldc, ep, pool);
}

void qgemm_detail::bgemm_run_kernels(const QGemmIsaKernels& kern, int64_t M, int64_t N, int64_t K,
                                     const float* a, int64_t lda, const int32_t* packed_b, float* c,
                                     int64_t ldc, const GemmEpilogue& ep, cpu::ThreadPool* pool) {
  if (!gemm_detail::check_gemm_call("bgemm", M, N, K, a, lda, packed_b, c, ldc, ep)) return;
  QGemmArgs g{gemm_detail::GemmOutput(c, ldc, ep)};
  g.M = M, g.N = N, g.K = K;
  g.a = a, g.lda = lda;
  g.b_packed = reinterpret_cast<const int8_t*>(packed_b);
  run_packed_a(kern, g, pool);
}

}  // namespace bertc::kernels::x86
