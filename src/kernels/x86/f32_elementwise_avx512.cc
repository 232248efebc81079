// f32_exp_avx512, f32_softmax_avx512, f32_activation_avx512: vector exp, row softmax and the
// elementwise activations for AVX512; contracts in kernels_x86.h, templates in math_impl.h.
#include "kernels/x86/math_impl.h"
#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86 {

void f32_exp_avx512(const float* src, float* dst, int64_t n, bool fast_math) {
  exp_array<V512>(src, dst, n, fast_math);
}

void f32_softmax_avx512(const float* x, float* y, int64_t rows, int64_t n, bool fast_math,
                      cpu::ThreadPool* pool) {
  softmax<V512>(x, y, rows, n, fast_math, pool);
}

void f32_activation_avx512(Activation act, const float* src, const float* residual, float* dst,
                         int64_t n, bool fast_math) {
  activation<V512>(act, src, residual, dst, n, fast_math);
}

}  // namespace bertc::kernels::x86
