#include "server/batcher.h"

#include "pipeline/heads.h"

namespace bertc::server {

namespace {
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}
}  // namespace

Batcher::Batcher(Pipeline& pipeline, std::size_t max_batch_tokens, std::size_t max_batch_requests,
                 Metrics& metrics)
    : pipeline_(pipeline), max_batch_tokens_(max_batch_tokens), max_batch_requests_(max_batch_requests),
      metrics_(metrics),
      thread_([this] { loop(); }) {}

Batcher::~Batcher() { stop(); }

void Batcher::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Batcher::submit(std::shared_ptr<Job> job) {
  job->submitted = Clock::now();
  const std::size_t n = job->encodings.size();
  if (job->kind == Job::Kind::embed) {
    job->embeddings.resize(n);
  } else {
    job->classes.resize(n);
  }
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(job));
    queued_ += n;
  }
  cv_.notify_one();
}

namespace {
// Calls a job's on_done once, when every sequence has a result (or was skipped after a failure).
void finish_if_complete(Job& job) {
  if (job.finished != job.encodings.size() || job.cancelled.load() || !job.on_done) return;
  const std::function<void()> done = std::move(job.on_done);
  job.on_done = nullptr;
  done();
}
}  // namespace

std::vector<Batcher::Slot> Batcher::take_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<Slot> batch;
  std::size_t tokens = 0, requests = 0;
  while (batch.empty()) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return batch;  // stopping
    while (!queue_.empty()) {
      Job& job = *queue_.front();
      const std::size_t n = job.encodings.size();
      if (job.cancelled.load() || !job.error.empty()) {  // skip the rest of it
        queued_ -= n - job.next;
        job.finished += n - job.next;
        job.next = n;
        finish_if_complete(job);
        queue_.pop_front();
        continue;
      }
      const std::size_t len = job.encodings[job.next].size();
      if (!batch.empty() && tokens + len > max_batch_tokens_) break;
      const bool new_request = batch.empty() || batch.back().job.get() != &job;
      if (new_request && max_batch_requests_ && requests == max_batch_requests_) break;
      requests += new_request;
      if (job.next == 0) {
        job.queue_seconds = seconds_since(job.submitted);
        metrics_.queued(job.queue_seconds);
      }
      tokens += len;
      batch.push_back({queue_.front(), job.next++});
      --queued_;
      if (job.next == n) queue_.pop_front();
    }
  }
  return batch;
}

void Batcher::run_batch(std::vector<Slot>& batch) {
  // All jobs of one server share the model's task: the batch is all embed or all classify.
  const bool embed = batch.front().job->kind == Job::Kind::embed;
  std::vector<Encoding> encodings;
  encodings.reserve(batch.size());
  std::size_t tokens = 0;
  for (const Slot& s : batch) {
    encodings.push_back(std::move(s.job->encodings[s.index]));
    tokens += encodings.back().size();
  }
  const Clock::time_point start = Clock::now();
  std::string error;
  std::vector<std::vector<float>> vectors;
  std::vector<Classification> classes;
  try {
    if (embed) {
      vectors = pipeline_.embed(encodings, false);
    } else {
      classes = pipeline_.classify(encodings);
    }
  } catch (const std::exception& e) {
    error = std::string("inference failed: ") + e.what();
  }
  const double elapsed = seconds_since(start);
  metrics_.batch_done(batch.size(), tokens, elapsed);
  const Job* last = nullptr;
  for (std::size_t b = 0; b < batch.size(); ++b) {
    Job& job = *batch[b].job;
    // Keep the length for the job's token count (usage) and put the encoding back.
    job.encodings[batch[b].index] = std::move(encodings[b]);
    if (&job != last) job.inference_seconds += elapsed;
    last = &job;
    if (!error.empty()) {
      job.error = error;
    } else if (embed) {
      job.embeddings[batch[b].index] = std::move(vectors[b]);
      if (job.normalize) pipeline::l2_normalize(job.embeddings[batch[b].index]);
    } else {
      job.classes[batch[b].index] = std::move(classes[b]);
    }
  }
  // A job's bookkeeping is the batcher thread's alone: no lock.
  for (const Slot& s : batch) {
    ++s.job->finished;
    finish_if_complete(*s.job);
  }
}

void Batcher::loop() {
  for (;;) {
    std::vector<Slot> batch;
    {
      std::unique_lock lock(mu_);
      batch = take_batch(lock);
    }
    if (batch.empty()) return;  // stopping, nothing queued
    run_batch(batch);
  }
}

}  // namespace bertc::server
