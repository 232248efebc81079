// f32_layer_norm_avx2 and f32_embed_layer_norm_avx2: layer norm with an optional fused skip
// add, and embedding gather + sum + layer norm, for AVX2; contracts in kernels_x86.h, the
// shared templates in norm_impl.h.
#include "kernels/x86/norm_impl.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86 {

void f32_layer_norm_avx2(const LayerNormArgs& args, cpu::ThreadPool* pool) {
  layer_norm<V256>(args, pool);
}

void f32_embed_layer_norm_avx2(const EmbedLayerNormArgs& args, cpu::ThreadPool* pool) {
  embed_layer_norm<V256>(args, pool);
}

}  // namespace bertc::kernels::x86
