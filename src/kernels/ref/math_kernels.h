// Reference kernels of the math family defined outside math_elementwise.cc (which registers the
// whole family in register_math_kernels). Contracts are at the definitions.
#pragma once

#include "kernels/kernel.h"

namespace bertc::kernels::ref::math {

void matmul(const KernelCall& call);       // math_linalg.cc
void gemm(const KernelCall& call);         // math_linalg.cc
void softmax(const KernelCall& call);      // math_normalize.cc
void layer_norm(const KernelCall& call);   // math_normalize.cc
void reduce_mean(const KernelCall& call);  // math_reduce.cc
void reduce_sum(const KernelCall& call);   // math_reduce.cc
void reduce_max(const KernelCall& call);   // math_reduce.cc
void cumsum(const KernelCall& call);       // math_reduce.cc

}  // namespace bertc::kernels::ref::math
