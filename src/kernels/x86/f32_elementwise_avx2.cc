// f32_exp_avx2, f32_softmax_avx2, f32_activation_avx2: vector exp, row softmax and the
// elementwise activations for AVX2; contracts in kernels_x86.h, templates in math_impl.h.
#include "kernels/x86/math_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86 {

void f32_exp_avx2(const float* src, float* dst, int64_t n, bool fast_math) {
  exp_array<V256>(src, dst, n, fast_math);
}

void f32_softmax_avx2(const float* x, float* y, int64_t rows, int64_t n, bool fast_math,
                      cpu::ThreadPool* pool) {
  softmax<V256>(x, y, rows, n, fast_math, pool);
}

void f32_activation_avx2(Activation act, const float* src, const float* residual, float* dst,
                         int64_t n, bool fast_math) {
  activation<V256>(act, src, residual, dst, n, fast_math);
}

}  // namespace bertc::kernels::x86
