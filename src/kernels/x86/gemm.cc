// Portable part of the f32 GEMM: argument checks, B packing, the ISA dispatch, the cache
// blocking / threading driver, and the scalar reference kernel (Isa::kRef).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "bertc/error.h"
#include "kernels/x86/gemm.h"
#include "kernels/x86/gemm_internal.h"
#include "kernels/x86/scratch.h"

namespace bertc::kernels::x86 {
namespace gemm_detail {

void gelu_exact_inplace(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = gelu_erf_exact(x[i]);
}

}  // namespace gemm_detail

using gemm_detail::GemmArgs;
using gemm_detail::GemmIsaKernels;
using gemm_detail::run_tasks;

namespace {

constexpr int kP = kGemmPanelWidth;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The reference kernel: rows [m0, m1), all columns, straight from packed B, float
// accumulation in k order, exact GELU. Portable (auto-vectorized at most with SSE2).
void ref_rows(const GemmArgs& g, int64_t m0, int64_t m1) {
  const int64_t panels = ceil_div(g.N, kP);
  for (int64_t m = m0; m < m1; ++m) {
    const float* a = g.a + m * g.lda;
    for (int64_t p = 0; p < panels; ++p) {
      float acc[kP] = {};
      const float* b = g.b_packed + p * g.K * kP;
      for (int64_t k = 0; k < g.K; ++k) {
        const float av = a[k];
        for (int j = 0; j < kP; ++j) acc[j] += av * b[k * kP + j];
      }
      const int64_t n0 = p * kP;
      const int cols = static_cast<int>(std::min<int64_t>(kP, g.N - n0));
      float* c = g.c + m * g.ldc + n0;
      const float* r = g.residual ? g.residual + m * g.ldr + n0 : nullptr;
      for (int j = 0; j < cols; ++j) {
        float x = acc[j];
        if (g.bias) x += g.bias[n0 + j];
        if (g.gelu) x = gelu_erf_exact(x);
        if (r) x += r[j];
        c[j] = x;
      }
    }
  }
}

void check(bool ok, const std::string& what) {
  if (!ok) throw Error("gemm: " + what);
}

bool ranges_overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return a_bytes > 0 && b_bytes > 0 && pa < pb + b_bytes && pb < pa + a_bytes;
}

// Bytes spanned by a row-major rows×cols matrix with row stride ld.
size_t span_bytes(int64_t rows, int64_t cols, int64_t ld) {
  if (rows <= 0 || cols <= 0) return 0;
  return static_cast<size_t>((rows - 1) * ld + cols) * sizeof(float);
}

const GemmIsaKernels* kernels_for(cpu::Isa isa) {
  switch (isa) {
    case cpu::Isa::kAvx512: return &gemm_detail::f32_gemm_kernels_avx512();
    case cpu::Isa::kAvx2: return &gemm_detail::f32_gemm_kernels_avx2();
    case cpu::Isa::kRef: return nullptr;
  }
  return nullptr;
}

void require_isa(cpu::Isa isa) {
  if (!cpu::isa_supported(isa)) {
    throw Error(std::string("gemm: ISA ") + cpu::isa_name(isa) + " is not supported by this CPU (" +
                cpu::isa_name(cpu::detected_isa()) + ")");
  }
}

}  // namespace

namespace gemm_detail {

bool check_gemm_call(const char* who, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                     const void* packed_b, const float* c, int64_t ldc, const GemmEpilogue& ep) {
  const auto fail_unless = [who](bool ok, const std::string& what) {
    if (!ok) throw Error(std::string(who) + ": " + what);
  };
  fail_unless(M >= 0 && N >= 0 && K >= 0, "negative shape M=" + std::to_string(M) +
                                              " N=" + std::to_string(N) + " K=" + std::to_string(K));
  if (M == 0 || N == 0) return false;
  fail_unless(c != nullptr, "C is null");
  fail_unless(ldc >= N, "ldc=" + std::to_string(ldc) + " < N=" + std::to_string(N));
  if (K > 0) {
    fail_unless(a != nullptr && packed_b != nullptr, "A or packed B is null");
    fail_unless(lda >= K, "lda=" + std::to_string(lda) + " < K=" + std::to_string(K));
  }
  const bool gelu = ep.activation == GemmActivation::kGelu;
  fail_unless(ep.activation == GemmActivation::kNone || gelu, "unknown activation");
  const size_t c_bytes = span_bytes(M, N, ldc);
  if (ep.residual) {
    fail_unless(ep.ldr >= N, "ldr=" + std::to_string(ep.ldr) + " < N=" + std::to_string(N));
    const bool same = ep.residual == c && ep.ldr == ldc;
    fail_unless(!(same && gelu), "in-place residual (C == R) is not supported with GELU");
    fail_unless(same || !ranges_overlap(c, c_bytes, ep.residual, span_bytes(M, N, ep.ldr)),
                "C partially overlaps the residual");
  }
  if (K > 0) fail_unless(!ranges_overlap(c, c_bytes, a, span_bytes(M, K, lda)), "C overlaps A");
  return true;
}

}  // namespace gemm_detail

float gelu_erf_exact(float x) {
  const double d = x;
  return static_cast<float>(0.5 * d * (1.0 + std::erf(d * 0.70710678118654752440)));
}

void gemm_pack_b(GemmBLayout layout, const float* b, int64_t ldb, int64_t K, int64_t N,
                 float* packed) {
  check(K >= 0 && N >= 0, "negative shape K=" + std::to_string(K) + " N=" + std::to_string(N));
  if (K == 0 || N == 0) return;
  check(b != nullptr && packed != nullptr, "gemm_pack_b: null pointer");
  check(reinterpret_cast<uintptr_t>(packed) % kGemmPackedAlignment == 0,
        "gemm_pack_b: packed buffer is not 64-byte aligned");
  const int64_t min_ld = layout == GemmBLayout::kKN ? N : K;
  check(ldb >= min_ld, "gemm_pack_b: ldb=" + std::to_string(ldb) + " < " + std::to_string(min_ld));
  const int64_t panels = ceil_div(N, kP);
  for (int64_t p = 0; p < panels; ++p) {
    const int64_t n0 = p * kP;
    const int cols = static_cast<int>(std::min<int64_t>(kP, N - n0));
    float* dst = packed + p * K * kP;
    if (layout == GemmBLayout::kKN) {
      for (int64_t k = 0; k < K; ++k) {
        const float* src = b + k * ldb + n0;
        for (int j = 0; j < kP; ++j) dst[k * kP + j] = j < cols ? src[j] : 0.0f;
      }
    } else {
      // N×K: walk each source row (column of B) contiguously.
      if (cols < kP) std::memset(dst, 0, static_cast<size_t>(K * kP) * sizeof(float));
      for (int j = 0; j < cols; ++j) {
        const float* src = b + (n0 + j) * ldb;
        for (int64_t k = 0; k < K; ++k) dst[k * kP + j] = src[k];
      }
    }
  }
}

void gemm_gelu(cpu::Isa isa, const float* src, float* dst, int64_t n, bool fast_math) {
  require_isa(isa);
  const GemmIsaKernels* kern = kernels_for(isa);
  if (!kern) {
    for (int64_t i = 0; i < n; ++i) dst[i] = gelu_erf_exact(src[i]);
    return;
  }
  kern->gelu(src, dst, n, fast_math);
}

void gemm_run_isa(cpu::Isa isa, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda,
                  const float* packed_b, float* c, int64_t ldc, const GemmEpilogue& ep,
                  cpu::ThreadPool* pool) {
  if (!gemm_detail::check_gemm_call("gemm", M, N, K, a, lda, packed_b, c, ldc, ep)) return;
  if (K > 0) {
    check(reinterpret_cast<uintptr_t>(packed_b) % kGemmPackedAlignment == 0,
          "packed B is not 64-byte aligned");
  }
  require_isa(isa);

  GemmArgs g{gemm_detail::GemmOutput(c, ldc, ep)};
  g.M = M;
  g.N = N;
  g.K = K;
  g.a = a;
  g.lda = lda;
  g.b_packed = packed_b;
  g.residual_first = ep.residual && !g.gelu;

  const GemmIsaKernels* kern = kernels_for(isa);
  if (!kern) {
    const int64_t rows_per_task = std::max<int64_t>(1, ceil_div(M, 64));
    run_tasks(pool, ceil_div(M, rows_per_task), [&](int64_t t) {
      ref_rows(g, t * rows_per_task, std::min(M, (t + 1) * rows_per_task));
    });
    return;
  }

  const int threads = pool ? pool->num_threads() : 1;
  const int64_t mr = kern->mr, nr = kern->nr;
  // K blocks: as few as possible (each extra block re-reads and re-writes C), equal sizes.
  const int64_t k_blocks = std::max<int64_t>(1, ceil_div(K, kern->kc));
  g.kc = std::max<int64_t>(8, ceil_div(ceil_div(K, k_blocks), 8) * 8);
  const int64_t m_panels = ceil_div(M, mr);
  const int64_t n_panels = ceil_div(N, nr);

  // 1. Pack A into mr-row micro-panels (shared by all tasks), for ISAs that read it packed.
  if (kern->pack_a && K > 0) {
    g.a_packed = thread_scratch_floats(m_panels * mr * K);
    const int64_t panels_per_task = std::max<int64_t>(1, ceil_div(m_panels, 4 * threads));
    run_tasks(pool, ceil_div(m_panels, panels_per_task), [&](int64_t t) {
      kern->pack_a(g, t * panels_per_task, std::min(m_panels, (t + 1) * panels_per_task));
    });
  }

  // 2. C blocks of mc rows × nc columns. mc: the A block (mc × kc, packed or not) stays in L2 (~768 KB
  // of it) while it is reused for every micro-column of the block; nc: the C block (mc × nc)
  // stays in L2 (~512 KB) across K blocks, and so does the B block a task streams (kc × nc,
  // <= 256 KB: wider blocks made FFN-up, N = 3072, ~10% slower on 2 threads with weights
  // streaming from memory, bench/gemm_bench .../cold); then narrower column blocks until every
  // thread has a few tasks (claimed dynamically, which evens out uneven progress).
  const int64_t mc_panels_max = std::max<int64_t>(1, (768 * 1024 / 4) / (g.kc * mr));
  const int64_t m_tasks = ceil_div(m_panels, mc_panels_max);
  const int64_t mc_panels = ceil_div(m_panels, m_tasks);
  const int64_t mc = mc_panels * mr;
  int64_t nc_panels = std::max<int64_t>(1, (512 * 1024 / 4) / (mc * nr));
  nc_panels = std::min(nc_panels, std::max<int64_t>(1, (256 * 1024 / 4) / (g.kc * nr)));
  nc_panels = std::min(nc_panels, n_panels);
  const int64_t want_tasks = threads > 1 ? 4 * threads : 1;
  while (nc_panels > 1 && m_tasks * ceil_div(n_panels, nc_panels) < want_tasks) --nc_panels;
  const int64_t n_tasks = ceil_div(n_panels, nc_panels);
  const int64_t nc = nc_panels * nr;
  run_tasks(pool, m_tasks * n_tasks, [&](int64_t t) {
    const int64_t mt = t / n_tasks, nt = t % n_tasks;
    const int64_t m0 = mt * mc, n0 = nt * nc;
    kern->block(g, m0, std::min(M, m0 + mc), n0, std::min(N, n0 + nc));
  });
}

void gemm_run(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* packed_b,
              float* c, int64_t ldc, const GemmEpilogue& epilogue, cpu::ThreadPool* pool) {
  gemm_run_isa(cpu::active_isa(), M, N, K, a, lda, packed_b, c, ldc, epilogue, pool);
}

}  // namespace bertc::kernels::x86
