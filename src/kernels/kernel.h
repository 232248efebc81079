// The one calling convention of every kernel, reference or optimized: a step of a Program
// calls `fn(call)`. Output tensors are allocated (shape set, memory planned) by the caller.
#pragma once

#include <span>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::cpu {
class ThreadPool;
}

namespace bertc::kernels {

// A packed batch: `count` sequences laid one after another, sequence i in rows
// [offsets[i], offsets[i + 1]) of a [1, offsets[count], ...] tensor; max_len is the longest.
struct Sequences {
  int64_t count = 0;
  const int64_t* offsets = nullptr;  // count + 1 entries, offsets[0] = 0, increasing
  int64_t max_len = 0;
};

struct KernelCall {
  const ir::Node* node;                // attributes
  std::span<const Tensor* const> src;  // nullptr for an omitted optional input
  std::span<Tensor* const> dst;
  const void* state = nullptr;         // kernel-private data prepared at load time
  cpu::ThreadPool* pool = nullptr;     // may be null: run on the calling thread
  // Packed execution (runtime/packing.h): the batch's sequences, read by the kernels that mix
  // tokens (bertc.Attention); null when the tensors are padded [B, S, ...].
  const Sequences* sequences = nullptr;
};

using KernelFn = void (*)(const KernelCall&);

}  // namespace bertc::kernels
