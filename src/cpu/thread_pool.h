// ThreadPool: a persistent pool of worker threads for the parallel regions of one inference.
//
// BERT issues ~100 parallel regions of 0.1-1 ms per inference, and on some VMs creating a
// thread costs milliseconds, so: threads are created once (constructor) and joined once
// (destructor); the calling thread participates as thread 0; idle workers spin briefly on the
// work word, then sleep on a futex; tasks are claimed dynamically (one CAS each), which keeps
// both cores busy when a noisy neighbour slows one of them.
//
// A region completes when all of its tasks are done — the caller never waits for a worker
// that has not claimed anything. So on an oversubscribed machine a descheduled worker does
// not delay the region: the caller (and the running workers) simply take its share.
//
// Contract of parallel_for(n_tasks, fn):
//   - fn(task, thread) is called exactly once for every task in [0, n_tasks) (unless a task
//     throws: then tasks not yet started are skipped), on threads numbered [0, num_threads());
//     thread 0 is the caller. A thread index is never used by two tasks at the same time, so
//     it can index per-thread scratch memory.
//   - It returns when every task has finished. The first exception thrown by a task is
//     rethrown in the caller (the others are dropped).
//   - A parallel_for called from inside a task (of any pool) runs its tasks serially on the
//     calling thread, with that thread's index. Calls from several outside threads at once
//     are serialized (a mutex).
//   - Writes made by tasks are visible to the caller after return (acquire/release).
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace bertc::cpu {

struct ThreadPoolOptions {
  // Total threads including the caller; <= 0 means default_num_threads().
  int num_threads = 0;
  // Pin worker i (i >= 1) to the i-th CPU of the process's affinity mask. The caller's thread
  // is never touched.
  bool pin = false;
  // How long an idle worker spins (checking for new work) before sleeping on a futex.
  int spin_us = 200;
};

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads = 0);
  explicit ThreadPool(const ThreadPoolOptions& options);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that run tasks, the caller included (>= 1).
  int num_threads() const { return num_threads_; }

  // The CPUs this process may use: its affinity mask (sched_getaffinity), or fewer when a
  // cgroup CPU quota (a container's --cpus) allows fewer (cpu/cpu_quota.h); at least 1.
  static int available_cpus();
  // The thread count when none is asked for: BERTC_NUM_THREADS when set (a whole number >= 1,
  // capped like any request; anything else is a bertc::Error), else available_cpus().
  static int default_num_threads();

  // The thread count to use when a caller asks for `requested`: 0 means
  // default_num_threads(); a negative count is a bertc::Error; more than available_cpus()
  // would only make threads wait for each other, so it is capped there with a warning on
  // stderr.
  static int resolve_num_threads(int requested);

  // See the contract above. F is callable as fn(int64_t task, int thread).
  template <typename F>
  void parallel_for(int64_t n_tasks, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    run(n_tasks,
        [](const void* ctx, int64_t task, int thread) {
          (*static_cast<Fn*>(const_cast<void*>(ctx)))(task, thread);
        },
        static_cast<const void*>(std::addressof(fn)));
  }

 private:
  using TaskFn = void (*)(const void* ctx, int64_t task, int thread);

  void run(int64_t n_tasks, TaskFn fn, const void* ctx);
  void run_region(uint32_t n_tasks, TaskFn fn, const void* ctx);
  void worker_main(int index);
  bool try_claim(int64_t* task);
  void run_claimed(int64_t task, int thread);
  bool has_work() const { return (state_.load(std::memory_order_acquire) & 0xFFFFFFFFu) != 0; }

  int num_threads_ = 1;
  int spin_us_ = 200;
  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // serializes outside callers

  // The current region, written by the caller before it publishes state_. Stable while any
  // task of the region is claimed and not done.
  TaskFn fn_ = nullptr;
  const void* ctx_ = nullptr;
  uint32_t n_tasks_ = 0;

  // (epoch << 32) | tasks not yet claimed. Claims CAS this word, so a claim only succeeds
  // inside a live region.
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<uint32_t> epoch_{0};  // bumped per region: futex word of idle workers
  std::atomic<int32_t> sleepers_{0};
  std::atomic<bool> stop_{false};
  alignas(64) std::atomic<uint32_t> done_{0};  // tasks finished in the region: caller's futex word
  std::atomic<int32_t> caller_waiting_{0};
  alignas(64) std::atomic<bool> failed_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace bertc::cpu
