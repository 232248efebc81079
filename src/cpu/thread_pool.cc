#include "cpu/thread_pool.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bertc/error.h"
#include "cpu/cpu_quota.h"

namespace bertc::cpu {
namespace {

// The index of the current thread inside the pool region it runs, or -1 outside any region.
thread_local int tl_thread_index = -1;

void futex_wait(void* addr, uint32_t expected) {
  syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}

void futex_wake_all(void* addr) {
  syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

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
  if (spin_us <= 0) return false;
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

int ThreadPool::available_cpus() {
  const size_t n = affinity_cpus().size();
  const unsigned hc = std::thread::hardware_concurrency();
  int cpus = n > 0 ? static_cast<int>(n) : hc > 0 ? static_cast<int>(hc) : 1;
  const int quota = process_cpu_limit();
  return quota > 0 ? std::min(cpus, quota) : cpus;
}

int ThreadPool::default_num_threads() {
  const char* env = std::getenv("BERTC_NUM_THREADS");
  if (env == nullptr || env[0] == '\0') return available_cpus();
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(env, &end, 10);
  if (*end != '\0' || errno != 0 || n < 1 || n > 1 << 20) {
    throw Error(std::string("BERTC_NUM_THREADS must be a whole number >= 1, got '") + env + "'");
  }
  return resolve_num_threads(static_cast<int>(n));
}

int ThreadPool::resolve_num_threads(int requested) {
  if (requested < 0) {
    throw Error("the thread count must be 0 (one per available CPU) or positive, got " +
                std::to_string(requested));
  }
  if (requested == 0) return default_num_threads();
  const int available = available_cpus();
  if (requested > available) {
    std::fprintf(stderr, "bertc: warning: %d threads requested, but this process may use %d CPUs; using %d\n",
                 requested, available, available);
    return available;
  }
  return requested;
}

ThreadPool::ThreadPool(int num_threads) : ThreadPool(ThreadPoolOptions{num_threads, false, 200}) {}

ThreadPool::ThreadPool(const ThreadPoolOptions& options) {
  num_threads_ = options.num_threads > 0 ? options.num_threads : default_num_threads();
  spin_us_ = std::max(0, options.spin_us);
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

bool ThreadPool::try_claim(int64_t* task) {
  uint64_t s = state_.load(std::memory_order_acquire);
  while ((s & 0xFFFFFFFFu) != 0) {
    if (state_.compare_exchange_weak(s, s - 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      // The region cannot end before this task is done, so n_tasks_ is its own.
      *task = static_cast<int64_t>(n_tasks_) - static_cast<int64_t>(s & 0xFFFFFFFFu);
      return true;
    }
  }
  return false;
}

void ThreadPool::run_claimed(int64_t task, int thread) {
  if (!failed_.load(std::memory_order_relaxed)) {
    try {
      fn_(ctx_, task, thread);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  const uint32_t n = n_tasks_;  // read before done_: after it, the region may be gone
  if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == n &&
      caller_waiting_.load(std::memory_order_seq_cst)) {
    futex_wake_all(&done_);
  }
}

void ThreadPool::worker_main(int index) {
  tl_thread_index = index;
  for (;;) {
    int64_t task;
    while (try_claim(&task)) run_claimed(task, index);
    const uint32_t e = epoch_.load(std::memory_order_seq_cst);
    if (stop_.load(std::memory_order_acquire)) return;
    if (has_work()) continue;
    auto woken = [&] {
      return has_work() || epoch_.load(std::memory_order_acquire) != e ||
             stop_.load(std::memory_order_relaxed);
    };
    if (!spin_until(woken, spin_us_)) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      while (epoch_.load(std::memory_order_seq_cst) == e) futex_wait(&epoch_, e);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
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
  // Regions hold at most 2^32 - 1 tasks; larger counts run as consecutive regions.
  constexpr int64_t kMaxRegion = 0xFFFFFFFFll;
  for (int64_t base = 0; base < n_tasks; base += kMaxRegion) {
    const int64_t count = std::min(kMaxRegion, n_tasks - base);
    if (base == 0) {
      run_region(static_cast<uint32_t>(count), fn, ctx);
    } else {
      struct Shifted {
        TaskFn fn;
        const void* ctx;
        int64_t base;
      } shifted{fn, ctx, base};
      run_region(
          static_cast<uint32_t>(count),
          [](const void* c, int64_t t, int th) {
            const auto* s = static_cast<const Shifted*>(c);
            s->fn(s->ctx, s->base + t, th);
          },
          &shifted);
    }
  }
}

void ThreadPool::run_region(uint32_t n_tasks, TaskFn fn, const void* ctx) {
  fn_ = fn;
  ctx_ = ctx;
  n_tasks_ = n_tasks;
  error_ = nullptr;
  failed_.store(false, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  const uint32_t e = epoch_.load(std::memory_order_relaxed) + 1;
  state_.store((static_cast<uint64_t>(e) << 32) | n_tasks, std::memory_order_release);
  epoch_.store(e, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake_all(&epoch_);

  tl_thread_index = 0;
  int64_t task;
  while (try_claim(&task)) run_claimed(task, 0);
  tl_thread_index = -1;

  // Wait for tasks other threads claimed: spin, then sleep on done_.
  auto all_done = [&] { return done_.load(std::memory_order_acquire) == n_tasks; };
  if (!spin_until(all_done, spin_us_)) {
    caller_waiting_.store(1, std::memory_order_seq_cst);
    for (;;) {
      const uint32_t d = done_.load(std::memory_order_seq_cst);
      if (d == n_tasks) break;
      futex_wait(&done_, d);
    }
    caller_waiting_.store(0, std::memory_order_relaxed);
  }
  if (error_) {
    std::exception_ptr err = error_;
    error_ = nullptr;
    std::rethrow_exception(err);
  }
}

}  // namespace bertc::cpu
