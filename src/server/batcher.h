// bertc serve's dynamic batching: one thread takes tokenized sequences from the requests queued
// by the I/O threads, first come first served, and runs them together in batches of at most
// max_batch_tokens tokens (a longer sequence alone) through Pipeline::classify / embed, which
// run each batch packed (Session::run(RaggedBatch)). A batch never waits to fill: it runs what
// is queued when the model is free. A request's sequences may span batches and share them with
// other requests; each job gets its own results, in its input order.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bertc/pipeline.h"
#include "server/metrics.h"

namespace bertc::server {

using Clock = std::chrono::steady_clock;

// One request's work. The submitter fills the inputs; the batcher fills the results and calls
// on_done once, on its thread, when every sequence has run or one batch failed — unless the job
// was cancelled first, when it is dropped at its next turn and its remaining sequences never run.
struct Job {
  enum class Kind { embed, classify };
  Kind kind = Kind::embed;
  std::vector<Encoding> encodings;
  bool normalize = false;  // embed: L2-normalize each vector
  std::function<void()> on_done;
  std::atomic<bool> cancelled{false};

  std::vector<std::vector<float>> embeddings;  // embed
  std::vector<Classification> classes;         // classify
  std::string error;                           // set when a batch failed
  double queue_seconds = 0;                    // submit to first batch
  double inference_seconds = 0;                // the batches it ran in

  // The batcher's bookkeeping.
  Clock::time_point submitted;
  std::size_t next = 0;      // next sequence to schedule
  std::size_t finished = 0;  // sequences with a result
};

class Batcher {
 public:
  // `pipeline` must outlive the Batcher; its max_batch_tokens must be >= max_batch_tokens. A
  // batch holds sequences of at most max_batch_requests requests (0: no limit).
  Batcher(Pipeline& pipeline, std::size_t max_batch_tokens, std::size_t max_batch_requests, Metrics& metrics);
  ~Batcher();  // stop()
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  void submit(std::shared_ptr<Job> job);
  // Sequences queued and not yet in a batch.
  std::size_t queued_sequences() const { return queued_.load(); }
  // Runs what is queued, then ends the thread. Idempotent.
  void stop();

 private:
  struct Slot {
    std::shared_ptr<Job> job;
    std::size_t index;
  };
  void loop();
  // Takes the next batch from the queue (under mu_); empty when stopping with nothing queued.
  std::vector<Slot> take_batch(std::unique_lock<std::mutex>& lock);
  void run_batch(std::vector<Slot>& batch);

  Pipeline& pipeline_;
  const std::size_t max_batch_tokens_;
  const std::size_t max_batch_requests_;
  Metrics& metrics_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::atomic<std::size_t> queued_{0};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace bertc::server
