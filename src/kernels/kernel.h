// The one calling convention of every kernel, reference or optimized: a step of a Program
// calls `fn(call)`. Output tensors are allocated (shape set, memory planned) by the caller.
// A kernel is compiled once, when the graph is lowered: a function pointer plus its typed
// attributes (an ir::OpAttrs, or a backend's state that extends one). Kernels never see an
// ir::Node; `attrs` names the node in their errors.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "bertc/tensor.h"
#include "cpu/cpu_features.h"
#include "ir/graph.h"
#include "ir/op_attrs.h"

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
  // The kernel's typed attributes / state; null only for the runtime's own packing steps
  // (runtime/packing.h), which never fail by node.
  const ir::OpAttrs* attrs;
  std::span<const Tensor* const> src;  // nullptr for an omitted optional input
  std::span<Tensor* const> dst;
  cpu::ThreadPool* pool = nullptr;  // may be null: run on the calling thread
  // Packed execution (runtime/packing.h): the batch's sequences, read by the kernels that mix
  // tokens (bertc.Attention); null when the tensors are padded [B, S, ...].
  const Sequences* sequences = nullptr;

  // The attributes as the type the kernel was compiled with.
  template <typename Attrs>
  const Attrs& attrs_as() const {
    return static_cast<const Attrs&>(*attrs);
  }
};

using KernelFn = void (*)(const KernelCall&);

// A backend's kernel for one node, compiled: fn and attrs go into a KernelCall.
struct KernelChoice {
  KernelFn fn = nullptr;  // null: the backend has no kernel for this node (see `refused`)
  std::shared_ptr<const ir::OpAttrs> attrs;
  const char* name = "";   // for profiles and BERTC_VERBOSE
  bool inplace_ok = false;  // dst[0] may alias src[0]
  std::string refused;      // why a kernel the backend has does not fit this node
};

// A kernel library: `select` compiles its kernel for a node, or declines (fn null). Lowering
// asks the backends of kernels/backends.h in order; the reference backend, last, never declines.
struct Backend {
  const char* name;
  KernelChoice (*select)(const ir::Graph& graph, const ir::Node& node, cpu::Isa isa);
};

}  // namespace bertc::kernels
