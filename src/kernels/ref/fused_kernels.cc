// Registers the reference kernels of the fused-op family (fused_kernels.h).
#include "kernels/ref/fused_kernels.h"

#include "kernels/ref/ref_kernels.h"

namespace bertc::kernels::ref {

void register_fused_kernels(KernelFn* table, bool* inplace_ok) {
  auto set = [&](ir::Op op, KernelFn fn, bool inplace) {
    table[static_cast<size_t>(op)] = fn;
    inplace_ok[static_cast<size_t>(op)] = inplace;
  };
  set(ir::Op::Dense, fused::dense, false);
  set(ir::Op::LayerNorm, fused::layer_norm, true);  // each row is read whole before it is written
  set(ir::Op::Attention, fused::attention, false);
  set(ir::Op::EmbedLayerNorm, fused::embed_layer_norm, false);
}

}  // namespace bertc::kernels::ref
