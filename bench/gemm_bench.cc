// GEMM benchmarks at BERT-base shapes: C[M×N] = A[M×K] · B[K×N] with prepacked B, for
// M = tokens (64…512) and (K, N) = QKV (768, 2304), attention out (768, 768), FFN up
// (768, 3072), FFN down (3072, 768); 1 and 2 threads; every ISA the CPU has.
//
// Counters: GFLOPs (rate, 2·M·N·K per iteration, wall clock) and pct_peak, the percentage of
// the machine's fp32 FMA peak for that ISA and thread count. The per-core peak is measured at
// start-up with an FMA throughput loop (12 independent zmm/ymm chains) unless
// BERTC_PEAK_GFLOPS (per core, AVX-512) is set; AVX2's peak is taken as half of AVX-512's on
// AVX-512 machines (two 256-bit FMA pipes vs two 512-bit), or the measured ymm loop else.
//
//   gemm_bench --benchmark_repetitions=15 --benchmark_report_aggregates_only=true
//   gemm_bench --benchmark_filter='avx512/.*/threads:1'
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "kernels/x86/gemm.h"

namespace {

using bertc::cpu::Isa;
namespace x86 = bertc::x86;

// GFLOP/s of one core running 12 independent FMA chains (inline asm, so this file needs no
// ISA flags; only called when the CPU has the ISA).
double measure_fma_peak(bool zmm) {
  const long iters = 20'000'000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
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
    const double gflops = iters * 48.0 * (zmm ? 16 : 8) * 2 / s / 1e9;
    if (gflops > best) best = gflops;
  }
  return best;
}

// Per-core fp32 peak (GFLOP/s) for an ISA.
double core_peak(Isa isa) {
  static std::map<Isa, double> cache;
  auto it = cache.find(isa);
  if (it != cache.end()) return it->second;
  double peak = 1.0;
  const char* env = std::getenv("BERTC_PEAK_GFLOPS");
  const bool has512 = bertc::cpu::isa_supported(Isa::kAvx512);
  if (isa == Isa::kAvx512) {
    peak = env ? std::atof(env) : measure_fma_peak(true);
  } else if (isa == Isa::kAvx2) {
    peak = has512 ? core_peak(Isa::kAvx512) / 2 : env ? std::atof(env) : measure_fma_peak(false);
  } else {
    peak = has512 ? core_peak(Isa::kAvx512) / 16 : core_peak(Isa::kAvx2) / 8;  // scalar FMA
  }
  cache[isa] = peak;
  return peak;
}

bertc::cpu::ThreadPool* pool_for(int threads) {
  static std::map<int, std::unique_ptr<bertc::cpu::ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) p = std::make_unique<bertc::cpu::ThreadPool>(threads);
  return p.get();
}

struct Operands {
  std::vector<float> a, bias, res, c;
  float* packed = nullptr;
  ~Operands() { std::free(packed); }
};

enum class Epi { kNone, kBiasGelu, kBiasResidual };

void bm_gemm(benchmark::State& state, Isa isa, int64_t M, int64_t N, int64_t K, int threads,
             Epi epi) {
  Operands op;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  op.a.resize(static_cast<size_t>(M * K));
  for (float& x : op.a) x = dist(rng);
  std::vector<float> b(static_cast<size_t>(K * N));
  for (float& x : b) x = dist(rng);
  op.bias.resize(static_cast<size_t>(N));
  for (float& x : op.bias) x = dist(rng);
  op.res.assign(static_cast<size_t>(M * N), 0.5f);
  op.c.assign(static_cast<size_t>(M * N), 0.0f);
  const size_t bytes = static_cast<size_t>(x86::gemm_packed_size(K, N)) * sizeof(float);
  op.packed = static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64));
  x86::gemm_pack_b(x86::GemmBLayout::kKN, b.data(), N, K, N, op.packed);
  x86::GemmEpilogue ep;
  if (epi != Epi::kNone) ep.bias = op.bias.data();
  if (epi == Epi::kBiasGelu) ep.activation = x86::GemmActivation::kGelu;
  if (epi == Epi::kBiasResidual) {
    ep.residual = op.res.data();
    ep.ldr = N;
  }
  bertc::cpu::ThreadPool* pool = pool_for(threads);
  for (auto _ : state) {
    x86::gemm_run_isa(isa, M, N, K, op.a.data(), K, op.packed, op.c.data(), N, ep, pool);
    benchmark::DoNotOptimize(op.c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * M * N * K;
  state.counters["GFLOPs"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  // pct_peak = 100 · achieved / (threads · per-core peak), from the same wall-clock rate.
  state.counters["pct_peak"] = benchmark::Counter(
      flops * 1e-9 * 100.0 / (threads * core_peak(isa)),
      benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  struct Shape {
    const char* name;
    int64_t K, N;
  };
  const Shape shapes[] = {{"qkv", 768, 2304}, {"attn_out", 768, 768}, {"ffn_up", 768, 3072},
                          {"ffn_down", 3072, 768}};
  std::vector<Isa> isas;
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2}) {
    if (bertc::cpu::isa_supported(isa)) isas.push_back(isa);
  }
  const int max_threads = bertc::cpu::ThreadPool::default_num_threads();
  for (Isa isa : isas) {
    for (const Shape& s : shapes) {
      for (int64_t M : {64, 128, 256, 512}) {
        for (int threads : {1, 2}) {
          if (threads > max_threads) continue;
          const std::string name = std::string(bertc::cpu::isa_name(isa)) + "/" + s.name +
                                   "/M:" + std::to_string(M) + "/K:" + std::to_string(s.K) +
                                   "/N:" + std::to_string(s.N) +
                                   "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), bm_gemm, isa, M, s.N, s.K, threads, Epi::kNone)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
    // The fused epilogues BERT uses, at M = 128: FFN up + bias + GELU, outputs + bias + residual.
    for (int threads : {1, 2}) {
      if (threads > max_threads) continue;
      const std::string t = "/threads:" + std::to_string(threads);
      const std::string p = std::string(bertc::cpu::isa_name(isa));
      benchmark::RegisterBenchmark((p + "/ffn_up+bias+gelu/M:128/K:768/N:3072" + t).c_str(),
                                   bm_gemm, isa, 128, 3072, 768, threads, Epi::kBiasGelu)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((p + "/ffn_down+bias+res/M:128/K:3072/N:768" + t).c_str(),
                                   bm_gemm, isa, 128, 768, 3072, threads, Epi::kBiasResidual)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2}) {
    if (bertc::cpu::isa_supported(isa)) {
      std::printf("fp32 peak per core, %s: %.1f GFLOP/s%s\n", bertc::cpu::isa_name(isa),
                  core_peak(isa), std::getenv("BERTC_PEAK_GFLOPS") ? " (BERTC_PEAK_GFLOPS)" : " (measured)");
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
