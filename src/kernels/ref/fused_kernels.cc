// Registers the reference kernels of the fused-op family (fused_kernels.h).
#include "kernels/ref/fused_kernels.h"

#include "kernels/ref/ref_kernels.h"

namespace bertc::kernels::ref {

void register_fused_kernels(RefKernel* table) {
  auto set = [&](ir::Op op, KernelFn fn, bool inplace, Prepare prepare) {
    table[static_cast<size_t>(op)] = {fn, prepare, inplace};
  };
  set(ir::Op::Dense, fused::dense, false, &prepare<ir::DenseAttrs>);
  set(ir::Op::LayerNorm, fused::layer_norm, true, &prepare<ir::EpsilonAttrs, 1e-5f>);  // each row is read whole before it is written
  set(ir::Op::Attention, fused::attention, false, &prepare<ir::AttentionAttrs>);
  set(ir::Op::EmbedLayerNorm, fused::embed_layer_norm, false, &prepare<ir::EpsilonAttrs, 1e-12f>);
}

}  // namespace bertc::kernels::ref
