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

struct KernelCall {
  const ir::Node* node;                // attributes
  std::span<const Tensor* const> src;  // nullptr for an omitted optional input
  std::span<Tensor* const> dst;
  const void* state = nullptr;         // kernel-private data prepared at load time
  cpu::ThreadPool* pool = nullptr;     // may be null: run on the calling thread
};

using KernelFn = void (*)(const KernelCall&);

}  // namespace bertc::kernels
