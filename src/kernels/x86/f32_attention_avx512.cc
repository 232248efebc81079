// f32_attention_avx512: fused multi-head attention (bertc.Attention) for AVX512; the algorithm
// and contract are in kernels_x86.h, the shared template in attention_impl.h.
#include "kernels/x86/attention_impl.h"
#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86 {

void f32_attention_avx512(const AttentionArgs& args, cpu::ThreadPool* pool) {
  attention<V512>(args, pool);
}

}  // namespace bertc::kernels::x86
