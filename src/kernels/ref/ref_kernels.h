// Reference kernels: a plain scalar kernel for every op in ops.def — the oracle in tests and
// the fallback of last resort. They favour clarity over speed, handle every dtype the op
// claims, and never assume alignment. A kernel marked in-place-safe (ref_kernel_inplace_ok)
// tolerates dst[0] aliasing src[0].
#pragma once

#include <vector>

#include "kernels/kernel.h"

namespace bertc::kernels::ref {

// The op's reference kernel (never null once all families are registered).
KernelFn kernel(ir::Op op);
// Runs the op's reference kernel on `src` into new tensors of the given (known) types: constant
// folding, plan-time evaluation and compile-time value propagation all go through here.
std::vector<Tensor> evaluate(const ir::Node& node, std::span<const Tensor* const> src,
                             const std::vector<ir::TypeInfo>& out_types);
// Whether dst[0] may share memory with src[0] (same shape, elementwise op).
bool inplace_ok(ir::Op op);

// Families fill the tables indexed by Op; see math_*.cc and data_*.cc.
void register_math_kernels(KernelFn* table, bool* inplace_ok);
void register_data_kernels(KernelFn* table, bool* inplace_ok);
void register_fused_kernels(KernelFn* table, bool* inplace_ok);  // fused_*.cc

}  // namespace bertc::kernels::ref
