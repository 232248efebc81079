// A Plan specializes a Program to concrete input shapes (and the values of inputs that decide
// shapes): it computes every value's shape, evaluates once whatever depends only on constants
// and shapes, places the remaining intermediate values in one arena (liveness-based reuse,
// in-place where the kernel allows it), and prepares the calls that run() loops over.
//
// A packed plan (runtime/packing.h) is for a right-padded batch of B sequences of S slots
// holding T real tokens in all: the packing region's values are [1, T, ...]; extra steps
// gather the region's per-token inputs and scatter the values leaving it back to [B, S, ...].
// Which tokens are real is bound per run (bind_sequences), so one plan serves every batch
// with the same B, S and T.
#pragma once

#include <deque>
#include <span>
#include <vector>

#include "bertc/error.h"
#include "bertc/tensor.h"
#include "runtime/program.h"

namespace bertc::runtime {

struct PlannedStep {
  kernels::KernelFn fn;
  kernels::KernelCall call;
  int32_t node;  // index in the graph; -1 for a packing step (gather or scatter)
};

// A batch that cannot run packed after all (a per-token input of an unexpected shape); the
// Session runs it padded.
struct PackingRefused : Error {
  using Error::Error;
};

class Plan {
 public:
  // `inputs` are indexed like graph.inputs and must stay alive and unmoved while the plan is
  // used (the plan's steps read them in place). packed_tokens > 0 makes a packed plan for that
  // many real tokens (program.packing must be packable); it may throw PackingRefused.
  Plan(const Program& program, const std::vector<Tensor>& inputs, cpu::ThreadPool* pool,
       int64_t packed_tokens = 0);
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  size_t arena_bytes() const { return arena_bytes_; }
  // Points every arena-placed value at `arena` (at least arena_bytes(), 64-byte aligned).
  void bind_arena(std::byte* arena);
  // Points the graph inputs at `inputs` (same shapes as planned).
  void bind_inputs(const std::vector<Tensor>& inputs);
  // A packed plan's sequences for the next run: B lengths summing to T, each at most S.
  void bind_sequences(std::span<const int64_t> lengths);
  bool packed() const { return packed_tokens_ > 0; }
  const kernels::Sequences& sequences() const { return sequences_; }
  const std::vector<PlannedStep>& steps() const { return steps_; }
  // Graph value `id` as the steps see it: [1, T, ...] inside a packed plan's region.
  const Tensor& value(ir::ValueId id) const { return tensors_[static_cast<size_t>(id)]; }
  // Graph output `id` as callers see it: always [B, S, ...] for per-token outputs, with zero
  // rows at the padding of a packed plan.
  const Tensor& output(ir::ValueId id) const;
  // Whether node `n` runs on packed tokens in this plan.
  bool packed_node(size_t n) const;

 private:
  const Program& program_;
  int64_t packed_tokens_ = 0;
  std::deque<Tensor> tensors_;       // per slot: graph values, then packing's extra values
  std::vector<size_t> arena_offset_;  // per slot; SIZE_MAX when not in the arena
  std::vector<int32_t> output_slot_;  // per graph output
  std::vector<std::vector<const Tensor*>> src_;
  std::vector<std::vector<Tensor*>> dst_;
  std::vector<PlannedStep> steps_;
  size_t arena_bytes_ = 0;
  std::byte* bound_arena_ = nullptr;
  std::vector<int64_t> offsets_;
  kernels::Sequences sequences_;
};

}  // namespace bertc::runtime
