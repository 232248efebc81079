// bertc bench BUNDLE --batch B --seq S [--runs N] [--warmup N] [--threads T] [--json]
// Times Session::run on synthetic inputs of the given shape: median, p90, min, max, throughput,
// and the achieved GFLOP/s of the matrix products as a share of this machine's fp32 peak
// (threads × the measured per-core peak of the ISA in use, cpu/fma_peak.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "bertc/error.h"
#include "bertc/session.h"
#include "commands.h"
#include "cpu/cpu_features.h"
#include "cpu/fma_peak.h"

namespace bertc::cli {
namespace {

struct BenchArgs {
  std::string bundle;
  int64_t batch = 1;
  int64_t seq = 128;
  int runs = 50;
  int warmup = 5;
  int threads = 0;
  bool json = false;
  bool profile = false;
};

// Time per op kind and per kernel over the profiled runs, largest first.
void print_profile(const Session& session, int runs, bool json) {
  std::map<std::pair<std::string, std::string>, std::pair<double, int64_t>> by_op;
  double total = 0;
  for (const StepProfile& p : session.profile()) {
    auto& [ms, nodes] = by_op[{p.op, p.kernel}];
    ms += p.total_ms / runs;
    nodes++;
    total += p.total_ms / runs;
  }
  std::vector<std::pair<std::pair<std::string, std::string>, std::pair<double, int64_t>>> rows(
      by_op.begin(), by_op.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& [key, value] : rows) {
      j.push_back({{"op", key.first},
                   {"kernel", key.second},
                   {"ms_per_run", value.first},
                   {"nodes", value.second}});
    }
    std::printf("%s\n", nlohmann::json{{"profile", j}, {"total_ms", total}}.dump().c_str());
    return;
  }
  std::printf("  per-op profile (ms per run, summed over nodes):\n");
  for (const auto& [key, value] : rows) {
    std::printf("  %-22s %-28s %8.3f ms %5.1f%%  (%lld nodes)\n", key.first.c_str(),
                key.second.c_str(), value.first, 100 * value.first / total,
                static_cast<long long>(value.second));
  }
  std::printf("  %-51s %8.3f ms\n", "total in kernels", total);
}

// Token ids in [3, 100) (valid in any real vocabulary, never a padding id), a full attention
// mask, segment 0; every other input is filled with ones.
Tensor synthetic_input(const InputInfo& info, int64_t batch, int64_t seq) {
  Dims shape;
  for (size_t d = 0; d < info.dims.size(); ++d) {
    const std::string& dim = info.dims[d];
    bool numeric = !dim.empty() && std::all_of(dim.begin(), dim.end(), ::isdigit);
    shape.push_back(numeric ? std::stoll(dim) : (d == 0 ? batch : seq));
  }
  Tensor t = Tensor::empty(info.dtype, shape);
  bool ids =
      info.name.find("ids") != std::string::npos && info.name.find("type") == std::string::npos;
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = ids ? 3 + (i * 7919) % 97 : (info.name.find("type") != std::string::npos ? 0 : 1);
    switch (info.dtype) {
      case DType::kI64:
        t.data<int64_t>()[i] = v;
        break;
      case DType::kI32:
        t.data<int32_t>()[i] = static_cast<int32_t>(v);
        break;
      case DType::kF32:
        t.data<float>()[i] = static_cast<float>(v);
        break;
      default:
        throw Error("bench: cannot synthesize input '" + info.name + "' of dtype " +
                    dtype_name(info.dtype));
    }
  }
  return t;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void run_bench(const BenchArgs& args) {
  if (args.batch < 1 || args.seq < 1 || args.runs < 1)
    throw Error("bench: --batch, --seq and --runs must be >= 1");
  Session session = Session::load(args.bundle, {args.threads});
  for (const InputInfo& info : session.inputs()) {
    session.set_input(info.name, synthetic_input(info, args.batch, args.seq));
  }
  for (int i = 0; i < args.warmup; ++i) session.run();
  if (args.profile) {  // a separate pass, so the timed runs carry no profiling overhead
    session.enable_profiling(true);
    for (int i = 0; i < args.runs; ++i) session.run();
    print_profile(session, args.runs, args.json);
    session.enable_profiling(false);
  }
  std::vector<double> ms;
  for (int i = 0; i < args.runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    session.run();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double median = percentile(ms, 0.5), p90 = percentile(ms, 0.9);
  double lo = *std::min_element(ms.begin(), ms.end()), hi = *std::max_element(ms.begin(), ms.end());
  double per_second = 1000.0 / median * static_cast<double>(args.batch);
  const double gflop = session.flops() / 1e9, gflops = gflop / (median / 1e3);
  const cpu::Isa isa = cpu::active_isa();
  const double core_peak = cpu::fp32_peak_gflops_per_core(isa);
  const double peak = core_peak * session.num_threads();
  if (args.json) {
    nlohmann::json j{{"bundle", args.bundle},
                     {"batch", args.batch},
                     {"seq", args.seq},
                     {"threads", session.num_threads()},
                     {"runs", args.runs},
                     {"median_ms", median},
                     {"p90_ms", p90},
                     {"min_ms", lo},
                     {"max_ms", hi},
                     {"sequences_per_s", per_second},
                     {"arena_bytes", session.arena_bytes()},
                     {"gflop", gflop},
                     {"gflops", gflops},
                     {"isa", cpu::isa_name(isa)},
                     {"peak_gflops", peak},
                     {"pct_peak", 100 * gflops / peak},
                     {"times_ms", ms}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s  batch %lld x seq %lld, %d threads, %d runs after %d warm-up\n",
              args.bundle.c_str(), static_cast<long long>(args.batch),
              static_cast<long long>(args.seq), session.num_threads(), args.runs, args.warmup);
  std::printf("  median %.3f ms   p90 %.3f ms   min %.3f ms   max %.3f ms\n", median, p90, lo, hi);
  std::printf("  throughput %.1f sequences/s   arena %.1f MB\n", per_second,
              static_cast<double>(session.arena_bytes()) / 1e6);
  std::printf(
      "  %.2f GFLOP per run: %.1f GFLOP/s = %.0f%% of fp32 peak (%d x %.1f GFLOP/s %s, measured)\n",
      gflop, gflops, 100 * gflops / peak, session.num_threads(), core_peak, cpu::isa_name(isa));
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time a compiled model on synthetic inputs");
  cmd->add_option("bundle", args->bundle, "model.bertc")->required()->check(CLI::ExistingFile);
  cmd->add_option("--batch", args->batch, "batch size (default 1)");
  cmd->add_option("--seq", args->seq, "sequence length (default 128)");
  cmd->add_option("--runs", args->runs, "timed runs (default 50)");
  cmd->add_option("--warmup", args->warmup, "untimed runs first (default 5)");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->add_flag("--profile", args->profile, "also print time per op and kernel (extra runs)");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace bertc::cli
