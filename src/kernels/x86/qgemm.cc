// Portable part of the int8 GEMM: weight quantization and packing, argument checks, the kernel
// choice, and the blocking / threading driver (run_packed_a, which the bf16 GEMM shares).
#include "kernels/x86/qgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "bertc/error.h"
#include "ir/int8_quantization.h"
#include "ir/packed_weights.h"
#include "kernels/x86/gemm_internal.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/scratch.h"

namespace bertc::kernels::x86 {

using qgemm_detail::QGemmArgs;
using qgemm_detail::QGemmIsaKernels;

namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

const QGemmIsaKernels& kernels_of(QGemmKernel kernel) {
  switch (kernel) {
    case QGemmKernel::kAvx2: return qgemm_detail::s8_gemm_kernels_avx2();
    case QGemmKernel::kAvxVnni: return qgemm_detail::s8_gemm_kernels_avxvnni();
    case QGemmKernel::kAvx512Bw: return qgemm_detail::s8_gemm_kernels_avx512();
    case QGemmKernel::kAvx512Vnni: return qgemm_detail::s8_gemm_kernels_avx512vnni();
  }
  throw Error("qgemm: unknown kernel");
}

void check_k(int64_t K) {
  if (K > ir::kInt8MaxK) {
    throw Error("qgemm: K=" + std::to_string(K) + " is larger than " + std::to_string(ir::kInt8MaxK) +
                " (int32 sums would no longer be exact)");
  }
}

}  // namespace

const char* qgemm_kernel_name(QGemmKernel kernel) {
  switch (kernel) {
    case QGemmKernel::kAvx2: return "avx2";
    case QGemmKernel::kAvxVnni: return "avx_vnni";
    case QGemmKernel::kAvx512Bw: return "avx512bw";
    case QGemmKernel::kAvx512Vnni: return "avx512_vnni";
  }
  return "?";
}

bool qgemm_kernel_supported(QGemmKernel kernel) {
  switch (kernel) {
    case QGemmKernel::kAvx2: return cpu::isa_supported(cpu::Isa::kAvx2);
    case QGemmKernel::kAvxVnni: return cpu::isa_supported(cpu::Isa::kAvx2) && cpu::has_extension("avx_vnni");
    case QGemmKernel::kAvx512Bw: return cpu::isa_supported(cpu::Isa::kAvx512);
    case QGemmKernel::kAvx512Vnni: return cpu::isa_supported(cpu::Isa::kAvx512) && cpu::has_extension("avx512_vnni");
  }
  return false;
}

bool qgemm_supported(cpu::Isa isa) { return isa != cpu::Isa::kRef; }

QGemmKernel qgemm_kernel_for(cpu::Isa isa) {
  if (!qgemm_supported(isa) || !cpu::isa_supported(isa)) {
    throw Error(std::string("qgemm: no int8 kernel for ISA ") + cpu::isa_name(isa) + " on this CPU (" +
                cpu::isa_name(cpu::detected_isa()) + ")");
  }
  if (isa == cpu::Isa::kAvx512) {
    return qgemm_kernel_supported(QGemmKernel::kAvx512Vnni) ? QGemmKernel::kAvx512Vnni : QGemmKernel::kAvx512Bw;
  }
  return qgemm_kernel_supported(QGemmKernel::kAvxVnni) ? QGemmKernel::kAvxVnni : QGemmKernel::kAvx2;
}

void qgemm_pack_b(const float* w, int64_t ldw, int64_t K, int64_t N, int8_t* packed, float* scales,
                  const float* smooth) {
  if (K < 0 || N < 0) throw Error("qgemm_pack_b: negative shape K=" + std::to_string(K) + " N=" + std::to_string(N));
  check_k(K);
  if (K == 0 || N == 0) return;
  if (!w || !packed || !scales) throw Error("qgemm_pack_b: null pointer");
  if (ldw < N) throw Error("qgemm_pack_b: ldw=" + std::to_string(ldw) + " < N=" + std::to_string(N));
  std::fill(packed, packed + ir::dense_int8_packed_size(K, N), int8_t{0});
  auto value = [&](int64_t k, int64_t n) { return smooth ? w[k * ldw + n] / smooth[k] : w[k * ldw + n]; };
  int8_t* sums = packed + ir::dense_int8_values_size(K, N);
  for (int64_t n = 0; n < N; ++n) {
    float amax = 0.0f;
    for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(value(k, n)));
    scales[n] = ir::weight_scale(amax);
    int32_t sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      const int8_t q = ir::quantize_weight(value(k, n), scales[n]);
      packed[ir::dense_int8_packed_index(K, k, n)] = q;
      sum += q;
    }
    std::memcpy(sums + 4 * n, &sum, sizeof(sum));
  }
}

void qgemm_run(QGemmKernel kernel, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
               const int8_t* packed_b, const float* b_scales, float* c, int64_t ldc, const GemmEpilogue& ep,
               cpu::ThreadPool* pool, const float* smooth) {
  if (!qgemm_kernel_supported(kernel)) {
    throw Error(std::string("qgemm: this CPU cannot run the ") + qgemm_kernel_name(kernel) + " int8 kernel");
  }
  qgemm_detail::qgemm_run_kernels(kernels_of(kernel), M, N, K, a, lda, packed_b, b_scales, c, ldc, ep, pool, smooth);
}

void qgemm_detail::qgemm_run_kernels(const QGemmIsaKernels& kern, int64_t M, int64_t N, int64_t K,
                                     const float* a, int64_t lda, const int8_t* packed_b, const float* b_scales,
                                     float* c, int64_t ldc, const GemmEpilogue& ep, cpu::ThreadPool* pool,
                                     const float* smooth) {
  if (!gemm_detail::check_gemm_call("qgemm", M, N, K, a, lda, packed_b, c, ldc, ep)) return;
  check_k(K);
  if (!b_scales) throw Error("qgemm: the weight scales are null");
  QGemmArgs g{gemm_detail::GemmOutput(c, ldc, ep)};
  g.M = M, g.N = N, g.K = K;
  g.a = a, g.lda = lda, g.smooth = smooth;
  g.b_packed = packed_b, g.b_sums = packed_b + ir::dense_int8_values_size(K, N), g.b_scales = b_scales;
  run_packed_a(kern, g, pool);
}

void qgemm_detail::run_packed_a(const QGemmIsaKernels& kern, QGemmArgs& g, cpu::ThreadPool* pool) {
  const int threads = pool ? pool->num_threads() : 1;
  const int64_t mr = kern.mr;
  const int64_t m_panels = ceil_div(g.M, mr);
  g.Kg = ceil_div(g.K, kern.kgroup);

  // 1. Convert A into micro-panels (int32 units) followed by the row scales and zero points, in
  // one scratch.
  const int64_t a_units = m_panels * mr * g.Kg, rows = m_panels * mr;
  float* scratch = thread_scratch_floats(a_units + 2 * rows);
  g.a_packed = reinterpret_cast<int32_t*>(scratch);
  g.a_scales = scratch + a_units;
  g.a_zero = reinterpret_cast<int32_t*>(scratch + a_units + rows);
  const int64_t panels_per_task = std::max<int64_t>(1, ceil_div(m_panels, 4 * threads));
  gemm_detail::run_tasks(pool, ceil_div(m_panels, panels_per_task), [&](int64_t t) {
    kern.convert_a(g, t * panels_per_task, std::min(m_panels, (t + 1) * panels_per_task));
  });

  // 2. Blocks of mc rows × nc columns: a block's A (mc × Kg · 4 bytes) stays in L2 (~256 KB of
  // it) while the task walks its B panels (Kg × 64 bytes each, streamed once per block); then
  // narrower column blocks until every thread has a few tasks.
  const int64_t mc_panels_max = std::max<int64_t>(1, (256 * 1024) / (mr * g.Kg * 4));
  const int64_t m_tasks = ceil_div(m_panels, mc_panels_max);
  const int64_t mc = ceil_div(m_panels, m_tasks) * mr;
  const int64_t n_panels = ceil_div(g.N, 16);
  int64_t nc_panels = n_panels;
  const int64_t want_tasks = threads > 1 ? 4 * threads : 1;
  while (nc_panels > 1 && m_tasks * ceil_div(n_panels, nc_panels) < want_tasks) --nc_panels;
  const int64_t n_tasks = ceil_div(n_panels, nc_panels);
  const int64_t nc = nc_panels * 16;
  gemm_detail::run_tasks(pool, m_tasks * n_tasks, [&](int64_t t) {
    const int64_t m0 = (t / n_tasks) * mc, n0 = (t % n_tasks) * nc;
    kern.block(g, m0, std::min(g.M, m0 + mc), n0, std::min(g.N, n0 + nc));
  });
}

}  // namespace bertc::kernels::x86
