// The latency of one direct Pipeline::embed call per request of bench/serve_load.lua's sequence
// (request k: (k mod 8) + 1 texts of the workload from position k * 7919; BATCH texts each when
// BATCH > 0), for comparison with bertc serve at one client and with the Python package's calls
// (bench/python_bench.py). Prints one JSON line: calls, p50 / p90 / p99 in ms.
//
//   build/pipeline_call_bench MODEL TEXTS_FILE [CALLS=300] [THREADS=0] [BATCH=0]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "bertc/pipeline.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s MODEL TEXTS_FILE [CALLS] [THREADS] [BATCH]\n", argv[0]);
    return 2;
  }
  const int calls = argc > 3 ? std::stoi(argv[3]) : 300;
  bertc::PipelineOptions options;
  options.session.num_threads = argc > 4 ? std::stoi(argv[4]) : 0;
  const std::size_t batch = argc > 5 ? std::stoul(argv[5]) : 0;
  bertc::Pipeline pipeline = bertc::Pipeline::load(argv[1], options);
  std::vector<std::string> texts;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) texts.push_back(line);
  if (texts.empty()) return 2;
  std::vector<double> ms;
  for (int k = -20; k < calls; ++k) {  // 20 warm-up calls
    const std::size_t n = batch ? batch : static_cast<std::size_t>((k < 0 ? -k : k) % 8) + 1;
    const std::size_t start = (static_cast<std::size_t>(k < 0 ? -k : k) * 7919) % texts.size();
    std::vector<std::string> request;
    for (std::size_t i = 0; i < n; ++i) request.push_back(texts[(start + i) % texts.size()]);
    const auto t0 = std::chrono::steady_clock::now();
    pipeline.embed(request);
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (k >= 0) ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p / 100 * ms.size()))]; };
  std::printf("{\"calls\":%zu,\"p50_ms\":%.4f,\"p90_ms\":%.4f,\"p99_ms\":%.4f}\n", ms.size(), pct(50), pct(90), pct(99));
  return 0;
}
