// f32_attention_avx2: fused multi-head attention (bertc.Attention) for AVX2; the algorithm
// and contract are in kernels_x86.h, the shared template in attention_impl.h.
#include "kernels/x86/attention_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86 {

void f32_attention_avx2(const AttentionArgs& args, cpu::ThreadPool* pool) {
  attention<V256>(args, pool);
}

}  // namespace bertc::kernels::x86
