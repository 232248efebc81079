// bertc bench BUNDLE [--batch B --seq S | --lengths 12,57,3,... | --lengths @FILE
//                    [--batch-size N] [--sort]] [--padded]
//                    [--runs N] [--warmup N] [--threads T] [--json] [--profile]
// Times Session::run on synthetic ragged batches: one batch of B sequences of S tokens, or of
// sequences of the given lengths — or, with --batch-size, the lengths cut into consecutive
// batches of at most N sequences (after sorting them with --sort), a timed run being one pass
// over every batch. Batches run packed (no work on padding; --padded: padded to the longest
// of each batch, as other engines do). Reports median, p90, min, max, real tokens/s, and the GFLOP/s of the
// matrix products on the real tokens as a share of this machine's fp32 peak (threads × the
// measured per-core peak of the ISA in use, cpu/fma_peak.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "bertc/cpu.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "commands.h"

namespace bertc::cli {
namespace {

struct BenchArgs {
  std::string bundle;
  int64_t batch = 1;
  int64_t seq = 128;
  std::string lengths;  // "12,57,3" or "@file"; overrides --batch / --seq
  int64_t batch_size = 0;  // with lengths: sequences per batch (0: one batch)
  bool sort = false;       // with lengths: sort them before cutting batches
  bool padded = false;
  int runs = 50;
  int warmup = 5;
  int threads = 0;
  bool json = false;
  bool profile = false;
};

// The largest batch bench makes, in tokens.
constexpr int64_t kMaxTokens = int64_t{1} << 31;

// --lengths: comma- or whitespace-separated lengths, inline or from @FILE; each >= 1.
std::vector<int64_t> parse_lengths(const std::string& spec) {
  std::string text = spec, where = "--lengths";
  if (!spec.empty() && spec[0] == '@') {
    where = spec.substr(1);
    std::ifstream in(where);
    if (!in) throw Error("bench: cannot read --lengths file '" + where + "'");
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::replace(text.begin(), text.end(), ',', ' ');
  std::istringstream words(text);
  std::vector<int64_t> lengths;
  int64_t total = 0;
  for (std::string word; words >> word;) {
    size_t used = 0;
    int64_t len = 0;
    try {
      len = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || len < 1) {
      throw Error("bench: " + where + ": length " + std::to_string(lengths.size()) + " is '" + word +
                  "', not a whole number >= 1");
    }
    lengths.push_back(len);
    total += len;
    if (len > kMaxTokens || total > kMaxTokens) {
      throw Error("bench: " + where + ": more than 2^31 tokens in all");
    }
  }
  if (lengths.empty()) throw Error("bench: " + where + " gives no lengths");
  return lengths;
}

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

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void run_bench(const BenchArgs& args) {
  if (args.batch < 1 || args.seq < 1 || args.runs < 1 || args.batch_size < 0)
    throw Error("bench: --batch, --seq and --runs must be >= 1, --batch-size >= 0");
  if (args.lengths.empty() && args.batch > kMaxTokens / args.seq) {
    throw Error("bench: --batch " + std::to_string(args.batch) + " x --seq " + std::to_string(args.seq) +
                " tokens is too large (at most 2^31)");
  }
  const std::vector<int64_t> lengths =
      args.lengths.empty() ? std::vector<int64_t>(static_cast<size_t>(args.batch), args.seq)
                           : parse_lengths(args.lengths);
  std::vector<int64_t> order = lengths;
  if (args.sort) std::stable_sort(order.begin(), order.end());
  const size_t per_batch = args.batch_size > 0 ? static_cast<size_t>(args.batch_size) : order.size();
  const int64_t tokens = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
  const int64_t longest = *std::max_element(lengths.begin(), lengths.end());
  // Per batch: its lengths and token ids in [3, 100) (valid in any real vocabulary, never a
  // padding id).
  struct Batch {
    std::vector<int64_t> lengths, ids;
  };
  std::vector<Batch> batches;
  for (size_t start = 0; start < order.size(); start += per_batch) {
    Batch b;
    b.lengths.assign(order.begin() + static_cast<std::ptrdiff_t>(start),
                     order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + per_batch)));
    b.ids.resize(static_cast<size_t>(std::accumulate(b.lengths.begin(), b.lengths.end(), int64_t{0})));
    for (size_t i = 0; i < b.ids.size(); ++i) b.ids[i] = 3 + static_cast<int64_t>(i * 7919 % 97);
    batches.push_back(std::move(b));
  }

  Session session = Session::load(args.bundle, {.num_threads = args.threads, .packing = !args.padded});
  auto pass = [&](Session& s) {
    for (const Batch& b : batches) s.run(RaggedBatch{b.ids, b.lengths, {}});
  };
  // The work on real tokens, batch by batch: a packed run's own count (a padded run also
  // computes padding); this pass is also the first warm-up.
  double real_flops = 0;
  {
    std::optional<Session> packed;  // only a padded run needs a second, packed, session
    if (args.padded) packed.emplace(Session::load(args.bundle, {.num_threads = 1}));
    Session& counter = packed ? *packed : session;
    for (const Batch& b : batches) {
      counter.run(RaggedBatch{b.ids, b.lengths, {}});
      real_flops += counter.flops();
    }
  }
  for (int i = 0; i < args.warmup; ++i) pass(session);
  if (args.profile) {  // a separate pass, so the timed runs carry no profiling overhead
    session.enable_profiling(true);
    for (int i = 0; i < args.runs; ++i) pass(session);
    print_profile(session, args.runs, args.json);
    session.enable_profiling(false);
  }
  std::vector<double> ms;
  for (int i = 0; i < args.runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    pass(session);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double median = percentile(ms, 0.5), p90 = percentile(ms, 0.9);
  double lo = *std::min_element(ms.begin(), ms.end()), hi = *std::max_element(ms.begin(), ms.end());
  const double sequences_per_s = 1000.0 / median * static_cast<double>(lengths.size());
  const double tokens_per_s = 1000.0 / median * static_cast<double>(tokens);
  const double gflop = real_flops / 1e9, gflops = gflop / (median / 1e3);
  const std::string isa = active_isa();
  const double core_peak = fp32_peak_gflops_per_core();
  const double peak = core_peak * session.num_threads();
  if (args.json) {
    nlohmann::json j{{"bundle", args.bundle},
                     {"batch", lengths.size()},
                     {"batches", batches.size()},
                     {"sorted", args.sort},
                     {"seq", longest},
                     {"tokens", tokens},
                     {"padded", args.padded},
                     {"threads", session.num_threads()},
                     {"runs", args.runs},
                     {"median_ms", median},
                     {"p90_ms", p90},
                     {"min_ms", lo},
                     {"max_ms", hi},
                     {"sequences_per_s", sequences_per_s},
                     {"tokens_per_s", tokens_per_s},
                     {"arena_bytes", session.arena_bytes()},
                     {"gflop", gflop},
                     {"gflops", gflops},
                     {"isa", isa},
                     {"extensions", cpu_extensions()},
                     {"peak_gflops", peak},
                     {"pct_peak", 100 * gflops / peak},
                     {"times_ms", ms}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s  %zu sequences in %zu batch(es)%s, %lld tokens (longest %lld), %s, %d threads, %d runs after %d warm-up\n",
              args.bundle.c_str(), lengths.size(), batches.size(), args.sort ? " sorted by length" : "",
              static_cast<long long>(tokens), static_cast<long long>(longest),
              args.padded ? "padded" : "packed",
              session.num_threads(), args.runs, args.warmup);
  std::printf("  median %.3f ms   p90 %.3f ms   min %.3f ms   max %.3f ms\n", median, p90, lo, hi);
  std::printf("  throughput %.0f tokens/s, %.1f sequences/s   arena %.1f MB\n", tokens_per_s,
              sequences_per_s, static_cast<double>(session.arena_bytes()) / 1e6);
  std::printf(
      "  %.2f GFLOP on real tokens per run: %.1f GFLOP/s = %.0f%% of fp32 peak (%d x %.1f GFLOP/s %s, measured)\n",
      gflop, gflops, 100 * gflops / peak, session.num_threads(), core_peak, isa.c_str());
  std::string extensions;
  for (const std::string& e : cpu_extensions()) extensions += " " + e;
  const std::string int8 = int8_kernel(), bf16 = bf16_kernel();
  const std::string bf16_runs = !bf16.empty()       ? "on the " + bf16 + " kernel"
                                : isa == "ref"      ? "on the reference kernel"
                                                    : "not here (no avx512_bf16 at this ISA)";
  std::printf("  CPU extensions for int8 / bf16:%s; int8 runs on the %s kernel, bf16 %s; AMX is not used\n",
              extensions.empty() ? " none (no VNNI, avx512_bf16 or AMX)" : extensions.c_str(),
              int8.empty() ? "reference" : int8.c_str(), bf16_runs.c_str());
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand("bench", "Time a compiled model on a synthetic batch (packed, or --padded)");
  cmd->add_option("bundle", args->bundle, "model.bertc")->required()->check(CLI::ExistingFile);
  cmd->add_option("--batch", args->batch, "batch size (default 1)");
  cmd->add_option("--seq", args->seq, "sequence length (default 128)");
  cmd->add_option("--lengths", args->lengths,
                  "one batch of sequences of these lengths: 12,57,3,... or @FILE (instead of "
                  "--batch and --seq)");
  cmd->add_option("--batch-size", args->batch_size,
                  "with --lengths: cut them into batches of at most N sequences; a timed run is "
                  "one pass over every batch");
  cmd->add_flag("--sort", args->sort, "with --lengths: sort them by length before batching");
  cmd->add_flag("--padded", args->padded,
                "run the batch padded to its longest sequence (default: packed, real tokens only)");
  cmd->add_option("--runs", args->runs, "timed runs (default 50)");
  cmd->add_option("--warmup", args->warmup, "untimed runs first (default 5)");
  cmd->add_option("--threads", args->threads, "threads (default: the CPUs this process may use)");
  cmd->add_flag("--json", args->json, "print one JSON object");
  cmd->add_flag("--profile", args->profile, "also print time per op and kernel (extra runs)");
  cmd->callback([args] { run_bench(*args); });
}

}  // namespace bertc::cli
