#include "cpu/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bertc::cpu {
namespace {

TEST(ThreadPool, DefaultCountIsTheAvailableCpus) {
  const int n = ThreadPool::default_num_threads();
  EXPECT_GE(n, 1);
  ThreadPool pool;
  EXPECT_EQ(pool.num_threads(), n);
}

TEST(ThreadPool, EveryTaskRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.num_threads(), threads);
    for (int64_t n : {0, 1, 2, 3, 7, 64, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      std::atomic<int> bad_thread{0};
      pool.parallel_for(n, [&](int64_t task, int thread) {
        if (thread < 0 || thread >= threads) bad_thread++;
        hits[static_cast<size_t>(task)]++;
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << n;
      EXPECT_EQ(bad_thread.load(), 0);
    }
  }
}

TEST(ThreadPool, ThreadIndexIsExclusive) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> in_use(3);
  std::atomic<int> clashes{0};
  pool.parallel_for(300, [&](int64_t, int thread) {
    if (in_use[static_cast<size_t>(thread)].fetch_add(1) != 0) clashes++;
    std::this_thread::sleep_for(std::chrono::microseconds(20));
    in_use[static_cast<size_t>(thread)].fetch_sub(1);
  });
  EXPECT_EQ(clashes.load(), 0);
}

TEST(ThreadPool, UsesSeveralThreads) {
  ThreadPool pool(2);
  std::set<int> seen;
  std::mutex mu;
  pool.parallel_for(64, [&](int64_t, int thread) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(thread);
  });
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ThreadPool, ManySmallRegions) {
  // BERT issues ~100 regions per inference: many back-to-back regions must stay correct,
  // including after the workers went to sleep (spin_us = 0 forces the futex path every time).
  for (int spin : {0, 50}) {
    ThreadPool pool(ThreadPoolOptions{3, false, spin});
    int64_t total = 0;
    for (int region = 0; region < 2000; ++region) {
      std::vector<int64_t> part(3, 0);
      pool.parallel_for(5, [&](int64_t task, int thread) { part[static_cast<size_t>(thread)] += task + 1; });
      total += std::accumulate(part.begin(), part.end(), int64_t{0});
      if (region % 500 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    EXPECT_EQ(total, 2000 * 15);
  }
}

TEST(ThreadPool, ExceptionsPropagateToTheCaller) {
  ThreadPool pool(3);
  for (int round = 0; round < 20; ++round) {
    EXPECT_THROW(pool.parallel_for(100,
                                   [&](int64_t task, int) {
                                     if (task == 37) throw std::runtime_error("task 37 failed");
                                   }),
                 std::runtime_error);
    // The pool is still usable afterwards.
    std::atomic<int> count{0};
    pool.parallel_for(10, [&](int64_t, int) { count++; });
    EXPECT_EQ(count.load(), 10);
  }
  // Also from the serial path.
  ThreadPool one(1);
  EXPECT_THROW(one.parallel_for(3, [](int64_t, int) { throw std::logic_error("x"); }),
               std::logic_error);
}

TEST(ThreadPool, NestedCallsRunSeriallyOnTheCallingThread) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(8 * 8);
  std::atomic<int> mismatched{0};
  pool.parallel_for(8, [&](int64_t outer, int outer_thread) {
    pool.parallel_for(8, [&](int64_t inner, int inner_thread) {
      if (inner_thread != outer_thread) mismatched++;
      hits[static_cast<size_t>(outer * 8 + inner)]++;
    });
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  EXPECT_EQ(mismatched.load(), 0);
}

TEST(ThreadPool, ConcurrentOutsideCallersAreSerialized) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) pool.parallel_for(10, [&](int64_t t, int) { sum += t; });
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), 3 * 200 * 45);
}

TEST(ThreadPool, StdFunctionAndPinning) {
  ThreadPool pool(ThreadPoolOptions{2, true, 100});
  std::atomic<int> n{0};
  const std::function<void(int64_t, int)> fn = [&](int64_t, int) { n++; };
  pool.parallel_for(17, fn);
  EXPECT_EQ(n.load(), 17);
}

void busy_wait_us(double us) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(us * 1000));
  while (std::chrono::steady_clock::now() < end) {
  }
}

TEST(ThreadPool, RegionLatency) {
  // Not a pass/fail speed test (shared CI machines): prints the per-region cost of an empty
  // region and of 2 tasks × 20 us (ideal: 20 us on 2 threads, 40 us serial).
  ThreadPool pool(2);
  std::atomic<int64_t> sink{0};
  const int regions = 2000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < regions; ++i) pool.parallel_for(2, [&](int64_t t, int) { sink += t; });
  const double empty_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      regions;
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < regions; ++i) pool.parallel_for(2, [&](int64_t, int) { busy_wait_us(20); });
  const double busy_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
      regions;
  std::printf("2 threads: empty region %.2f us; 2 tasks x 20 us: %.1f us per region\n", empty_us,
              busy_us);
  EXPECT_EQ(sink.load(), regions);
}

}  // namespace
}  // namespace bertc::cpu
