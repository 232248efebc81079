#include "runtime/memory_planner.h"

#include <gtest/gtest.h>

namespace bertc::runtime {
namespace {

bool overlap(size_t a, size_t an, size_t b, size_t bn) { return a < b + bn && b < a + an; }

TEST(MemoryPlanner, ReusesMemoryOfDeadBuffers) {
  // A chain: each buffer dies when the next one is written.
  std::vector<BufferRequest> chain;
  for (int i = 0; i < 10; ++i) chain.push_back({1000, i, i + 1});
  ArenaLayout layout = plan_arena(chain);
  EXPECT_LE(layout.total_bytes, 2 * 1024u);  // two live at a time
}

TEST(MemoryPlanner, LiveBuffersNeverOverlap) {
  std::vector<BufferRequest> reqs = {{100, 0, 5}, {300, 1, 2}, {64, 2, 8}, {1000, 3, 4},
                                     {7, 4, 9},   {500, 6, 7}, {200, 0, 9}};
  ArenaLayout layout = plan_arena(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(layout.offsets[i] % 64, 0u);
    EXPECT_LE(layout.offsets[i] + reqs[i].bytes, layout.total_bytes);
    for (size_t j = i + 1; j < reqs.size(); ++j) {
      bool alive_together = reqs[i].first_step <= reqs[j].last_step && reqs[j].first_step <= reqs[i].last_step;
      if (alive_together) {
        EXPECT_FALSE(overlap(layout.offsets[i], reqs[i].bytes, layout.offsets[j], reqs[j].bytes))
            << i << " and " << j;
      }
    }
  }
}

}  // namespace
}  // namespace bertc::runtime
