// Reference kernels: a plain scalar kernel for every op in ops.def — the oracle in tests and
// the backend of last resort (it never declines). They favour clarity over speed, handle every
// dtype the op claims, and never assume alignment. A kernel marked in-place-safe tolerates
// dst[0] aliasing src[0].
#pragma once

#include <memory>
#include <vector>

#include "kernels/kernel.h"

namespace bertc::kernels::ref {

// Compiles a node's typed attributes (ir/op_attrs.h) for its reference kernel.
using Prepare = std::shared_ptr<const ir::OpAttrs> (*)(const ir::Node& node);

// The Prepare of ops whose attributes are of type A (ops.def's Attrs column).
template <typename A>
std::shared_ptr<const ir::OpAttrs> prepare(const ir::Node& node) {
  return std::make_shared<const A>(node);
}

struct RefKernel {
  KernelFn fn;
  Prepare prepare;
  bool inplace_ok;  // dst[0] may alias src[0] (same shape, elementwise)
};

// The op's reference kernel, as its row of ops.def names it.
const RefKernel& kernel(ir::Op op);

// The reference backend: compiles the node's reference kernel; never declines.
KernelChoice select(const ir::Graph& graph, const ir::Node& node, cpu::Isa isa);
inline constexpr Backend kBackend{"ref", &select};

// Runs the op's reference kernel on `src` into `dst` (allocated by the caller).
void run(const ir::Node& node, std::span<const Tensor* const> src, std::span<Tensor* const> dst);
// Runs the op's reference kernel on `src` into new tensors of the given (known) types: constant
// folding, plan-time evaluation and compile-time value propagation all go through here.
std::vector<Tensor> evaluate(const ir::Node& node, std::span<const Tensor* const> src,
                             const std::vector<ir::TypeInfo>& out_types);

}  // namespace bertc::kernels::ref
