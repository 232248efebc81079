// Benchmarks of the fused attention and layer-norm kernels at BERT-base shapes, for every ISA
// the CPU has, 1 and 2 threads (the session's thread pool):
//   attention  B = 1, NH = 12, D = 64, S = 64 / 128 / 256 / 512, padding-free bias, fast exp
//              (and precise exp at S = 128); FLOPs = 4·B·NH·S²·D (Q·Kᵀ and P·V), softmax not
//              counted.
//   layer_norm [128, 768] with and without the fused skip add (bytes moved reported).
// Counters: GFLOPs (rate over wall clock) and, when BERTC_PEAK_GFLOPS (per-core fp32 peak,
// e.g. 209) is set, pct_peak = GFLOPs / (peak · threads).
//
//   attention_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
//   attention_bench --benchmark_filter='attention/avx512/.*/threads:2'
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_features.h"
#include "cpu/thread_pool.h"
#include "kernels/x86/kernels_x86.h"

namespace {

using bertc::cpu::Isa;
namespace x86 = bertc::kernels::x86;

bertc::cpu::ThreadPool* pool_for(int threads) {
  static std::map<int, std::unique_ptr<bertc::cpu::ThreadPool>> pools;
  auto& p = pools[threads];
  if (!p) p = std::make_unique<bertc::cpu::ThreadPool>(threads);
  return p.get();
}

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::vector<float> v(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (float& x : v) x = dist(rng);
  return v;
}

void set_rate_counters(benchmark::State& state, double flops, int threads) {
  state.counters["GFLOPs"] =
      benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  if (const char* peak = std::getenv("BERTC_PEAK_GFLOPS")) {
    const double p = std::atof(peak) * threads;
    if (p > 0) {
      state.counters["pct_peak"] =
          benchmark::Counter(flops / 1e9 / p * 100, benchmark::Counter::kIsIterationInvariantRate);
    }
  }
}

void bm_attention(benchmark::State& state, Isa isa, int64_t S, int threads, bool fast) {
  const int64_t B = 1, NH = 12, D = 64;
  std::vector<float> qkv = random_vector(static_cast<size_t>(B * S * 3 * NH * D), 1);
  std::vector<float> bias(static_cast<size_t>(B * S), 0.0f);
  std::vector<float> y(static_cast<size_t>(B * S * NH * D));
  x86::AttentionArgs args;
  args.qkv = qkv.data();
  args.bias = bias.data();
  args.y = y.data();
  args.batch = B;
  args.seq = S;
  args.heads = NH;
  args.head_dim = D;
  args.scale = 0.125f;
  args.fast_math = fast;
  auto fn = isa == Isa::kAvx512 ? &x86::f32_attention_avx512 : &x86::f32_attention_avx2;
  bertc::cpu::ThreadPool* pool = pool_for(threads);
  for (auto _ : state) {
    fn(args, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_rate_counters(state, 4.0 * B * NH * S * S * D, threads);
}

void bm_layer_norm(benchmark::State& state, Isa isa, bool skip, int threads) {
  const int64_t rows = 128, H = 768;
  std::vector<float> x = random_vector(static_cast<size_t>(rows * H), 1);
  std::vector<float> s = random_vector(static_cast<size_t>(rows * H), 2);
  std::vector<float> gamma = random_vector(static_cast<size_t>(H), 3);
  std::vector<float> beta = random_vector(static_cast<size_t>(H), 4);
  std::vector<float> y(static_cast<size_t>(rows * H));
  x86::LayerNormArgs args;
  args.x = x.data();
  args.skip = skip ? s.data() : nullptr;
  args.gamma = gamma.data();
  args.beta = beta.data();
  args.y = y.data();
  args.rows = rows;
  args.hidden = H;
  auto fn = isa == Isa::kAvx512 ? &x86::f32_layer_norm_avx512 : &x86::f32_layer_norm_avx2;
  bertc::cpu::ThreadPool* pool = pool_for(threads);
  for (auto _ : state) {
    fn(args, pool);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * rows * H * 4 * (skip ? 3 : 2));
}

void register_all() {
  for (Isa isa : {Isa::kAvx512, Isa::kAvx2}) {
    if (!bertc::cpu::isa_supported(isa)) continue;
    const std::string name = bertc::cpu::isa_name(isa);
    for (int threads : {1, 2}) {
      const std::string t = "/threads:" + std::to_string(threads);
      for (int64_t S : {64, 128, 256, 512}) {
        benchmark::RegisterBenchmark(("attention/" + name + "/S:" + std::to_string(S) + t).c_str(),
                                     bm_attention, isa, S, threads, true)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
      benchmark::RegisterBenchmark(("attention_precise_exp/" + name + "/S:128" + t).c_str(),
                                   bm_attention, isa, int64_t{128}, threads, false)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
      for (bool skip : {false, true}) {
        benchmark::RegisterBenchmark(
            ("layer_norm/" + name + (skip ? "/skip" : "/noskip") + "/128x768" + t).c_str(),
            bm_layer_norm, isa, skip, threads)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
