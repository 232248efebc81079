#include "cpu/fma_peak.h"

#include <chrono>
#include <map>
#include <mutex>

#include "bertc/error.h"

namespace bertc::cpu {
namespace {

// One run: `iters` × 48 FMAs on 12 independent accumulators (inline asm, so this portable file
// needs no ISA flags; only called when the CPU has the ISA). Returns GFLOP/s.
double fma_loop_gflops(bool zmm, long iters) {
  long n = iters;
  const auto t0 = std::chrono::steady_clock::now();
  if (zmm) {
    __asm__ volatile(
        "vxorps %%xmm0, %%xmm0, %%xmm0\n"
        "1:\n"
        ".rept 4\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm0\n vfmadd231ps %%zmm14, %%zmm15, %%zmm1\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm2\n vfmadd231ps %%zmm14, %%zmm15, %%zmm3\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm4\n vfmadd231ps %%zmm14, %%zmm15, %%zmm5\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm6\n vfmadd231ps %%zmm14, %%zmm15, %%zmm7\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm8\n vfmadd231ps %%zmm14, %%zmm15, %%zmm9\n"
        "vfmadd231ps %%zmm14, %%zmm15, %%zmm10\n vfmadd231ps %%zmm14, %%zmm15, %%zmm11\n"
        ".endr\n"
        "dec %0\n jnz 1b\n"
        "vzeroupper\n"
        : "+r"(n)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
          "xmm10", "xmm11", "cc");
  } else {
    __asm__ volatile(
        "vxorps %%xmm0, %%xmm0, %%xmm0\n"
        "1:\n"
        ".rept 4\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n"
        "vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n"
        ".endr\n"
        "dec %0\n jnz 1b\n"
        "vzeroupper\n"
        : "+r"(n)
        :
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
          "xmm10", "xmm11", "cc");
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return static_cast<double>(iters) * 48.0 * (zmm ? 16 : 8) * 2 / s / 1e9;
}

double measure(bool zmm) {
  double best = 0;
  for (int rep = 0; rep < 6; ++rep) {
    const double g = fma_loop_gflops(zmm, 1'500'000);
    if (g > best) best = g;
  }
  return best;
}

}  // namespace

double fp32_peak_gflops_per_core(Isa isa) {
  if (!isa_supported(isa)) {
    throw Error(std::string("fp32 peak: this CPU lacks ") + isa_name(isa));
  }
  static std::mutex mutex;
  static std::map<Isa, double> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(isa);
  if (it != cache.end()) return it->second;
  double peak = 0;
  switch (isa) {
    case Isa::kAvx512: peak = measure(true); break;
    case Isa::kAvx2: peak = measure(false); break;
    case Isa::kRef: peak = isa_supported(Isa::kAvx2) ? measure(false) / 8 : 0; break;
  }
  cache[isa] = peak;
  return peak;
}

}  // namespace bertc::cpu
