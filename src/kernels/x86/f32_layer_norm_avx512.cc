// f32_layer_norm_avx512 and f32_embed_layer_norm_avx512: layer norm with an optional fused skip
// add, and embedding gather + sum + layer norm, for AVX512; contracts in kernels_x86.h, the
// shared templates in norm_impl.h.
#include "kernels/x86/norm_impl.h"
#include "kernels/x86/simd_avx512.h"

namespace bertc::kernels::x86 {

void f32_layer_norm_avx512(const LayerNormArgs& args, cpu::ThreadPool* pool) {
  layer_norm<V512>(args, pool);
}

void f32_embed_layer_norm_avx512(const EmbedLayerNormArgs& args, cpu::ThreadPool* pool) {
  embed_layer_norm<V512>(args, pool);
}

}  // namespace bertc::kernels::x86
