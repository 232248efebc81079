// bertc serve's counters and histograms, rendered in Prometheus' text exposition format
// (version 0.0.4). Thread-safe: I/O threads and the batcher record, /metrics renders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace bertc::server {

// A cumulative histogram over fixed upper bounds (+Inf implied).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // The exposition lines of metric `name` (no HELP / TYPE).
  void render(const std::string& name, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;  // per bound, not cumulative; the last is +Inf
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  Metrics();
  void request_done(const std::string& route, int status);
  void batch_done(std::size_t sequences, std::size_t tokens, double inference_seconds);
  void queued(double queue_seconds);
  // Gauges read at render time.
  std::string render(std::size_t queue_depth, std::size_t requests_in_flight) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  Histogram batch_size_, batch_tokens_, queue_seconds_, inference_seconds_;
  std::uint64_t tokens_ = 0;
};

}  // namespace bertc::server
