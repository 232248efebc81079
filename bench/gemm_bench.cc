// GEMM benchmarks at BERT-base shapes: C[M×N] = A[M×K] · B[K×N] with prepacked B, for
// M = tokens (64…512) and (K, N) = QKV (768, 2304), attention out (768, 768), FFN up
// (768, 3072), FFN down (3072, 768); 1 and 2 threads; every ISA the CPU has; weights hot in
// cache (the same B every iteration) and cold (".../cold": B cycles through copies larger than
// the last-level cache, as in a whole model, where each weight is read once per inference).
//
// int8_<kernel>/...: the int8 GEMM at M = 128 with each int8 kernel the CPU has (avx2, avx_vnni,
// avx512bw, avx512_vnni), weights hot (GOPs, pct_peak of the fp32 peak of the kernel's vector ISA).
//
// Counters: GFLOPs (rate, 2·M·N·K per iteration, wall clock) and pct_peak, the percentage of
// the machine's fp32 FMA peak for that ISA and thread count, measured at start-up
// (cpu/fma_peak.h: an FMA throughput loop of 12 independent zmm / ymm chains).
//
//   gemm_bench --benchmark_repetitions=15 --benchmark_report_aggregates_only=true
//   gemm_bench --benchmark_filter='avx512/.*/threads:1'
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_features.h"
#include "cpu/fma_peak.h"
#include "cpu/thread_pool.h"
#include "kernels/x86/gemm.h"
#include "kernels/x86/qgemm.h"

namespace {

using bertc::cpu::Isa;
namespace x86 = bertc::kernels::x86;

// Per-core fp32 peak (GFLOP/s) for an ISA, measured (cpu/fma_peak.h).
double core_peak(Isa isa) { return bertc::cpu::fp32_peak_gflops_per_core(isa); }

bertc::cpu::ThreadPool* pool_for(int threads) {
  static std::map<int, std::unique_ptr<bertc::cpu::ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) p = std::make_unique<bertc::cpu::ThreadPool>(threads);
  return p.get();
}

struct Operands {
  std::vector<float> a, bias, res, c;
  std::vector<float*> packed;  // one, or (cold weights) enough copies to overflow the L3 cache
  ~Operands() {
    for (float* p : packed) std::free(p);
  }
};

// Cold weights: in a whole model every GEMM reads weights no cache holds (BERT-base has 340 MB
// of them), so `cold` benchmarks cycle through copies of B totalling at least this much.
constexpr size_t kColdBytes = 256u << 20;

enum class Epi { kNone, kBiasGelu, kBiasResidual };

// The epilogue `epi` on a bias of N values and an M × N residual.
x86::GemmEpilogue epilogue(Epi epi, const std::vector<float>& bias, const std::vector<float>& res, int64_t N) {
  x86::GemmEpilogue ep;
  if (epi != Epi::kNone) ep.bias = bias.data();
  if (epi == Epi::kBiasGelu) ep.activation = x86::GemmActivation::kGelu;
  if (epi == Epi::kBiasResidual) {
    ep.residual = res.data();
    ep.ldr = N;
  }
  return ep;
}

void bm_gemm(benchmark::State& state, Isa isa, int64_t M, int64_t N, int64_t K, int threads,
             Epi epi, bool cold) {
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
  const size_t bytes = static_cast<size_t>(bertc::ir::dense_packed_size(K, N)) * sizeof(float);
  const size_t copies = cold ? (kColdBytes + bytes - 1) / bytes : 1;
  for (size_t i = 0; i < copies; ++i) {
    op.packed.push_back(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
    x86::gemm_pack_b(x86::GemmBLayout::kKN, b.data(), N, K, N, op.packed.back());
  }
  const x86::GemmEpilogue ep = epilogue(epi, op.bias, op.res, N);
  bertc::cpu::ThreadPool* pool = pool_for(threads);
  size_t next = 0;
  for (auto _ : state) {
    x86::gemm_run_isa(isa, M, N, K, op.a.data(), K, op.packed[next], op.c.data(), N, ep, pool);
    next = (next + 1) % op.packed.size();
    benchmark::DoNotOptimize(op.c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * M * N * K;
  state.counters["GFLOPs"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  // pct_peak = 100 · achieved / (threads · per-core peak), from the same wall-clock rate.
  state.counters["pct_peak"] = benchmark::Counter(flops * 1e-9 * 100.0 / (threads * core_peak(isa)),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

// The int8 GEMM (kernels/x86/qgemm.h) on the same shapes, weights hot: "GOPs" counts 2·M·N·K
// per iteration as for fp32, and pct_peak is against the same fp32 peak (200 = twice fp32's).
void bm_qgemm(benchmark::State& state, x86::QGemmKernel kernel, Isa isa, int64_t M, int64_t N, int64_t K,
              int threads, Epi epi) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(static_cast<size_t>(M * K)), b(static_cast<size_t>(K * N)), c(static_cast<size_t>(M * N));
  std::vector<float> bias(static_cast<size_t>(N)), res(static_cast<size_t>(M * N), 0.5f);
  for (float& x : a) x = dist(rng);
  for (float& x : b) x = dist(rng);
  for (float& x : bias) x = dist(rng);
  const x86::GemmEpilogue ep = epilogue(epi, bias, res, N);
  std::vector<int8_t> packed(static_cast<size_t>(bertc::ir::dense_int8_packed_size(K, N)));
  std::vector<float> scales(static_cast<size_t>(N));
  x86::qgemm_pack_b(b.data(), N, K, N, packed.data(), scales.data());
  bertc::cpu::ThreadPool* pool = pool_for(threads);
  for (auto _ : state) {
    x86::qgemm_run(kernel, M, N, K, a.data(), K, packed.data(), scales.data(), c.data(), N, ep, pool);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double ops = 2.0 * M * N * K;
  state.counters["GOPs"] = benchmark::Counter(ops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["pct_peak"] = benchmark::Counter(ops * 1e-9 * 100.0 / (threads * core_peak(isa)),
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  struct Shape {
    const char* name;
    int64_t K, N;
  };
  const Shape shapes[] = {
      {"qkv", 768, 2304}, {"attn_out", 768, 768}, {"ffn_up", 768, 3072}, {"ffn_down", 3072, 768}};
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
          for (bool cold : {false, true}) {
            const std::string name = std::string(bertc::cpu::isa_name(isa)) + "/" + s.name +
                                     "/M:" + std::to_string(M) + "/K:" + std::to_string(s.K) +
                                     "/N:" + std::to_string(s.N) +
                                     "/threads:" + std::to_string(threads) + (cold ? "/cold" : "");
            benchmark::RegisterBenchmark(name.c_str(), bm_gemm, isa, M, s.N, s.K, threads,
                                         Epi::kNone, cold)
                ->UseRealTime()
                ->Unit(benchmark::kMicrosecond);
          }
        }
      }
    }
    // The int8 kernels whose vectors are this ISA's (AVX-512 VNNI: zmm; the others: ymm).
    for (x86::QGemmKernel kernel : {x86::QGemmKernel::kAvx2, x86::QGemmKernel::kAvxVnni, x86::QGemmKernel::kAvx512Bw,
                                    x86::QGemmKernel::kAvx512Vnni}) {
      const bool zmm = kernel == x86::QGemmKernel::kAvx512Bw || kernel == x86::QGemmKernel::kAvx512Vnni;
      const Isa kernel_isa = zmm ? Isa::kAvx512 : Isa::kAvx2;
      if (kernel_isa != isa || !x86::qgemm_kernel_supported(kernel)) continue;
      for (const Shape& s : shapes) {
        for (int threads : {1, 2}) {
          if (threads > max_threads) continue;
          const std::string name = std::string("int8_") + x86::qgemm_kernel_name(kernel) + "/" + s.name +
                                   "/M:128/K:" + std::to_string(s.K) + "/N:" + std::to_string(s.N) +
                                   "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), bm_qgemm, kernel, isa, 128, s.N, s.K, threads, Epi::kNone)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
      for (int threads : {1, 2}) {  // the fused epilogues, as for fp32 below
        if (threads > max_threads) continue;
        const std::string p = std::string("int8_") + x86::qgemm_kernel_name(kernel);
        const std::string t = "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark((p + "/ffn_up+bias+gelu/M:128/K:768/N:3072" + t).c_str(), bm_qgemm, kernel,
                                     isa, 128, 3072, 768, threads, Epi::kBiasGelu)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
        benchmark::RegisterBenchmark((p + "/ffn_down+bias+res/M:128/K:3072/N:768" + t).c_str(), bm_qgemm, kernel,
                                     isa, 128, 768, 3072, threads, Epi::kBiasResidual)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
    // The fused epilogues BERT uses, at M = 128: FFN up + bias + GELU, outputs + bias + residual.
    for (int threads : {1, 2}) {
      if (threads > max_threads) continue;
      const std::string t = "/threads:" + std::to_string(threads);
      const std::string p = std::string(bertc::cpu::isa_name(isa));
      benchmark::RegisterBenchmark((p + "/ffn_up+bias+gelu/M:128/K:768/N:3072" + t).c_str(),
                                   bm_gemm, isa, 128, 3072, 768, threads, Epi::kBiasGelu, false)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((p + "/ffn_down+bias+res/M:128/K:3072/N:768" + t).c_str(),
                                   bm_gemm, isa, 128, 768, 3072, threads, Epi::kBiasResidual, false)
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
      std::printf("fp32 peak per core, %s: %.1f GFLOP/s (measured)\n", bertc::cpu::isa_name(isa),
                  core_peak(isa));
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
