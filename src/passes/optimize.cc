// optimize(): the pass ladder per -O level (passes.h describes it).
#include "passes/passes.h"

#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::passes {

void optimize(ir::Graph& graph, const CompileOptions& options) {
  // Before folding, which would make the int8 weights' DequantizeLinear plain fp32 constants.
  if (options.opt_level >= 2) fuse_qdq_matmul(graph);
  if (options.opt_level >= 1) {
    dequantize_gathered_tables(graph);
    fold_constants(graph);
    graph.remove_dead();
    fold_shapes(graph);
  }
  if (options.opt_level >= 2) {
    eliminate_common_subexpressions(graph);
    ir::infer_shapes(graph, kernels::ref::evaluate);
    fuse_quantized_matmul(graph);
    // Dense first, so that a residual add goes into the GEMM epilogue; the adds left (the
    // embeddings' sum) become LayerNorm skips, which fuse_embed_layer_norm looks through.
    fuse_dense(graph);
    fuse_gated_activation(graph);
    fuse_layer_norm(graph);
    fuse_embed_layer_norm(graph);
    fuse_attention(graph);
    // DeBERTa's attention hides its output's dims from shape inference until it is fused (its
    // Reshapes take computed targets): its output projection's bias and residual join the GEMM
    // only now.
    ir::infer_shapes(graph, kernels::ref::evaluate);
    fuse_dense(graph);
    fuse_qkv(graph);
    eliminate_common_subexpressions(graph);
    if (options.gemm == "onednn") use_onednn_gemm(graph);
    if (options.precision == "int8" || !graph.int8_weights.empty()) {
      quantize_dense(graph, options.precision == "int8", options.fp32_layers, options.smooth_outliers,
                     options.activation_ranges);
    }
    if (options.precision == "bf16") convert_dense_bf16(graph, options.fp32_layers);
  }
  if (options.opt_level >= 3) {
    set_fast_math(graph, options.fast_math);
    if (options.gemm == "bertc") prepack_weights(graph);
  }
  graph.remove_dead();
  ir::infer_shapes(graph, kernels::ref::evaluate);
}

}  // namespace bertc::passes
