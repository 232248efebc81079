#include "cpu/thread_pool.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <climits>

namespace bertc::cpu {
namespace {

// The index of the current thread inside the pool region it runs, or -1 outside any region.
thread_local int tl_thread_index = -1;

void futex_wait(void* addr, uint32_t expected) {
  syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(void* addr) { syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0); }

inline void cpu_relax() { __builtin_ia32_pause(); }

std::vector<int> affinity_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  return cpus;
}

// Spins up to spin_us while `pred` is false; returns pred's last value.
template <typename Pred>
bool spin_until(Pred pred, int spin_us) {
  if (pred()) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(spin_us);
  for (;;) {
    for (int i = 0; i < 16; ++i) {
      cpu_relax();
      if (pred()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

}  // namespace

int ThreadPool::default_num_threads() {
  const size_t n = affinity_cpus().size();
  if (n > 0) return static_cast<int>(n);
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

ThreadPool::ThreadPool(int num_threads) : ThreadPool(ThreadPoolOptions{num_threads, false, 200}) {}

ThreadPool::ThreadPool(const ThreadPoolOptions& options) {
  num_threads_ = options.num_threads > 0 ? options.num_threads : default_num_threads();
  spin_us_ = options.spin_us < 0 ? 0 : options.spin_us;
  const std::vector<int> cpus = options.pin ? affinity_cpus() : std::vector<int>{};
  workers_.reserve(static_cast<size_t>(num_threads_ - 1));
  for (int i = 1; i < num_threads_; ++i) {
    workers_.emplace_back([this, i] { worker_main(i); });
    if (!cpus.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpus[static_cast<size_t>(i) % cpus.size()], &set);
      pthread_setaffinity_np(workers_.back().native_handle(), sizeof(set), &set);
    }
  }
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  epoch_.fetch_add(1, std::memory_order_seq_cst);
  futex_wake_all(&epoch_);
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_tasks(int thread) {
  for (;;) {
    if (failed_.load(std::memory_order_relaxed)) return;
    const int64_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= n_tasks_) return;
    try {
      fn_(ctx_, task, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
}

void ThreadPool::worker_main(int index) {
  tl_thread_index = index;
  uint32_t seen = 0;
  for (;;) {
    // Wait for a new epoch: spin, then sleep.
    auto changed = [&] { return epoch_.load(std::memory_order_acquire) != seen; };
    if (!spin_until(changed, spin_us_)) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      while (!changed()) futex_wait(&epoch_, seen);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = epoch_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    run_tasks(index);
    if (pending_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
        caller_waiting_.load(std::memory_order_seq_cst)) {
      futex_wake_all(&pending_);
    }
  }
}

void ThreadPool::run(int64_t n_tasks, TaskFn fn, const void* ctx) {
  if (n_tasks <= 0) return;
  // Serial paths: a single thread, a single task, or a nested call from inside a task.
  if (num_threads_ == 1 || n_tasks == 1 || tl_thread_index >= 0) {
    const int thread = tl_thread_index >= 0 ? tl_thread_index : 0;
    for (int64_t t = 0; t < n_tasks; ++t) fn(ctx, t, thread);
    return;
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  fn_ = fn;
  ctx_ = ctx;
  n_tasks_ = n_tasks;
  error_ = nullptr;
  failed_.store(false, std::memory_order_relaxed);
  next_task_.store(0, std::memory_order_relaxed);
  pending_.store(num_threads_ - 1, std::memory_order_relaxed);
  epoch_.fetch_add(1, std::memory_order_seq_cst);  // publishes the region (release)
  if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(&epoch_);

  tl_thread_index = 0;
  run_tasks(0);
  tl_thread_index = -1;

  // Wait for the workers: spin, then sleep on pending_.
  auto done = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!spin_until(done, spin_us_)) {
    caller_waiting_.store(1, std::memory_order_seq_cst);
    for (;;) {
      const int32_t p = pending_.load(std::memory_order_seq_cst);
      if (p == 0) break;
      futex_wait(&pending_, static_cast<uint32_t>(p));
    }
    caller_waiting_.store(0, std::memory_order_relaxed);
  }
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace bertc::cpu
