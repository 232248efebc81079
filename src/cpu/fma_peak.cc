#include "cpu/fma_peak.h"

#include <chrono>
#include <map>
#include <mutex>

#include "bertc/error.h"

namespace bertc::cpu {
namespace {

// 12 independent FMA chains on registers of kind R (zmm or ymm): R0..R11 += R14 * R15.
#define BERTC_FMA12(R)                                                                        \
  "vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "0\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R \
  "1\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "2\n vfmadd231ps %%" #R "14, %%" #R         \
  "15, %%" #R "3\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "4\n vfmadd231ps %%" #R "14, %%" \
  #R "15, %%" #R "5\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "6\n vfmadd231ps %%" #R       \
  "14, %%" #R "15, %%" #R "7\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "8\n vfmadd231ps %%" \
  #R "14, %%" #R "15, %%" #R "9\n vfmadd231ps %%" #R "14, %%" #R "15, %%" #R "10\n vfmadd231ps " \
  "%%" #R "14, %%" #R "15, %%" #R "11\n"

// `n` iterations of 4 × 12 FMAs, then vzeroupper.
#define BERTC_FMA_LOOP(R, n)                                                                \
  __asm__ volatile("vxorps %%xmm0, %%xmm0, %%xmm0\n1:\n.rept 4\n" BERTC_FMA12(R)          \
                   ".endr\ndec %0\njnz 1b\nvzeroupper\n"                                  \
                   : "+r"(n)                                                                \
                   :                                                                        \
                   : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
                     "xmm9", "xmm10", "xmm11", "cc")

// One run: `iters` × 48 FMAs on 12 independent accumulators (inline asm, so this portable file
// needs no ISA flags; only called when the CPU has the ISA). Returns GFLOP/s.
double fma_loop_gflops(bool zmm, long iters) {
  long n = iters;
  const auto t0 = std::chrono::steady_clock::now();
  if (zmm) {
    BERTC_FMA_LOOP(zmm, n);
  } else {
    BERTC_FMA_LOOP(ymm, n);
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
