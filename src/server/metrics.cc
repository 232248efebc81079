#include "server/metrics.h"

#include <algorithm>
#include <charconv>

namespace bertc::server {

namespace {

std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

const std::vector<double> kSecondBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                           0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  ++count_;
  sum_ += v;
}

void Histogram::render(const std::string& name, std::string& out) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
    out += name + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : batch_size_({1, 2, 4, 8, 16, 32, 64, 128, 256}),
      batch_tokens_({16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384}),
      queue_seconds_(kSecondBounds),
      inference_seconds_(kSecondBounds) {}

void Metrics::request_done(const std::string& route, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
}

void Metrics::batch_done(std::size_t sequences, std::size_t tokens, double inference_seconds) {
  std::lock_guard lock(mu_);
  batch_size_.observe(static_cast<double>(sequences));
  batch_tokens_.observe(static_cast<double>(tokens));
  inference_seconds_.observe(inference_seconds);
  tokens_ += tokens;
}

void Metrics::queued(double queue_seconds) {
  std::lock_guard lock(mu_);
  queue_seconds_.observe(queue_seconds);
}

std::string Metrics::render(std::size_t queue_depth, std::size_t requests_in_flight) const {
  std::lock_guard lock(mu_);
  std::string out;
  header(out, "bertc_requests_total", "counter", "Requests answered, by route and HTTP status.");
  for (const auto& [key, n] : requests_) {
    out += "bertc_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  header(out, "bertc_queue_depth", "gauge", "Sequences waiting for a batch.");
  out += "bertc_queue_depth " + std::to_string(queue_depth) + "\n";
  header(out, "bertc_requests_in_flight", "gauge", "Inference requests holding one of --max-concurrent-requests slots.");
  out += "bertc_requests_in_flight " + std::to_string(requests_in_flight) + "\n";
  header(out, "bertc_batch_size", "histogram", "Sequences per inference batch.");
  batch_size_.render("bertc_batch_size", out);
  header(out, "bertc_batch_tokens", "histogram", "Tokens per inference batch.");
  batch_tokens_.render("bertc_batch_tokens", out);
  header(out, "bertc_queue_seconds", "histogram", "Time from a request's tokenization to its first batch.");
  queue_seconds_.render("bertc_queue_seconds", out);
  header(out, "bertc_inference_seconds", "histogram", "Time of one inference batch.");
  inference_seconds_.render("bertc_inference_seconds", out);
  header(out, "bertc_tokens_total", "counter", "Tokens run through the model.");
  out += "bertc_tokens_total " + std::to_string(tokens_) + "\n";
  return out;
}

}  // namespace bertc::server
