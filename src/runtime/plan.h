// A Plan specializes a Program to concrete input shapes (and the values of inputs that decide
// shapes): it computes every value's shape, evaluates once whatever depends only on constants
// and shapes, places the remaining intermediate values in one arena (liveness-based reuse,
// in-place where the kernel allows it), and prepares the calls that run() loops over.
#pragma once

#include <vector>

#include "bertc/tensor.h"
#include "runtime/program.h"

namespace bertc::runtime {

struct PlannedStep {
  kernels::KernelFn fn;
  kernels::KernelCall call;
  int32_t node;  // index in the graph
};

class Plan {
 public:
  // `inputs` are indexed like graph.inputs and must stay alive and unmoved while the plan is
  // used (the plan's steps read them in place).
  Plan(const Program& program, const std::vector<Tensor>& inputs, cpu::ThreadPool* pool);
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  size_t arena_bytes() const { return arena_bytes_; }
  // Points every arena-placed value at `arena` (at least arena_bytes(), 64-byte aligned).
  void bind_arena(std::byte* arena);
  // Points the graph inputs at `inputs` (same shapes as planned).
  void bind_inputs(const std::vector<Tensor>& inputs);
  const std::vector<PlannedStep>& steps() const { return steps_; }
  const Tensor& value(ir::ValueId id) const { return tensors_[id]; }

 private:
  const ir::Graph& graph_;
  std::vector<Tensor> tensors_;          // per value: constant, input, folded, or arena view
  std::vector<size_t> arena_offset_;     // per value; SIZE_MAX when not in the arena
  std::vector<std::vector<const Tensor*>> src_;
  std::vector<std::vector<Tensor*>> dst_;
  std::vector<PlannedStep> steps_;
  size_t arena_bytes_ = 0;
  std::byte* bound_arena_ = nullptr;
};

}  // namespace bertc::runtime
