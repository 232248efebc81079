// Reference kernels of the math ops (ops.def names them). Contracts are at the definitions:
// math_elementwise.cc, math_linalg.cc, math_normalize.cc, math_reduce.cc.
#pragma once

#include "kernels/kernel.h"

namespace bertc::kernels::ref::math {

// math_elementwise.cc
void add(const KernelCall& call);
void sub(const KernelCall& call);
void mul(const KernelCall& call);
void div(const KernelCall& call);
void pow(const KernelCall& call);
void min(const KernelCall& call);
void max(const KernelCall& call);
void equal(const KernelCall& call);
void less(const KernelCall& call);
void greater(const KernelCall& call);
void less_or_equal(const KernelCall& call);
void greater_or_equal(const KernelCall& call);
void logical_and(const KernelCall& call);
void logical_or(const KernelCall& call);
void logical_xor(const KernelCall& call);
void logical_not(const KernelCall& call);
void neg(const KernelCall& call);
void abs(const KernelCall& call);
void sign(const KernelCall& call);
void ceil(const KernelCall& call);
void clip(const KernelCall& call);
void sqrt(const KernelCall& call);
void reciprocal(const KernelCall& call);
void exp(const KernelCall& call);
void cos(const KernelCall& call);
void sin(const KernelCall& call);
void log(const KernelCall& call);
void erf(const KernelCall& call);
void tanh(const KernelCall& call);
void sigmoid(const KernelCall& call);
void relu(const KernelCall& call);
void where(const KernelCall& call);
void cast(const KernelCall& call);
void identity(const KernelCall& call);
void dropout(const KernelCall& call);

void matmul(const KernelCall& call);       // math_linalg.cc
void matmul_integer(const KernelCall& call);           // math_quantized.cc
void dynamic_quantize_linear(const KernelCall& call);  // math_quantized.cc
void quantize_linear(const KernelCall& call);          // math_quantized.cc
void dequantize_linear(const KernelCall& call);        // math_quantized.cc
void gemm(const KernelCall& call);         // math_linalg.cc
void softmax(const KernelCall& call);      // math_normalize.cc
void layer_norm(const KernelCall& call);   // math_normalize.cc
void reduce_mean(const KernelCall& call);  // math_reduce.cc
void reduce_sum(const KernelCall& call);   // math_reduce.cc
void reduce_max(const KernelCall& call);   // math_reduce.cc
void cumsum(const KernelCall& call);       // math_reduce.cc

}  // namespace bertc::kernels::ref::math
