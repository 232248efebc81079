// Memory planner: places buffers with known sizes and lifetimes in one arena so that buffers
// whose lifetimes overlap never overlap in memory. Greedy by size (largest first, lowest
// offset that fits), which is near-optimal for the chain-like lifetimes of encoder graphs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace bertc::runtime {

struct BufferRequest {
  size_t bytes;
  int32_t first_step;  // written here
  int32_t last_step;   // last read here (inclusive)
};

struct ArenaLayout {
  std::vector<size_t> offsets;  // per request, 64-byte aligned
  size_t total_bytes = 0;
};

ArenaLayout plan_arena(const std::vector<BufferRequest>& requests);

}  // namespace bertc::runtime
