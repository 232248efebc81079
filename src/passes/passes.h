// bertc's graph passes (one per file), and optimize(): the ladder of passes per level:
//   -O0  the imported graph as is, on reference kernels
//   -O1  + constant folding (int8 embedding tables dequantized first), shape folding, dead-code
//        removal
//   -O2  + common subexpressions, fusions into bertc.Dense / LayerNorm / Attention /
//        EmbedLayerNorm (ops.def); int8 models' MatMuls (QDQ first, before folding, and the
//        quantize_dynamic form) onto bertc.DenseInt8
//   -O3  + fast math (fused ops get attr fast_math when CompileOptions::fast_math), weights
//        prepacked for the GEMM kernels
// CompileOptions::gemm = "onednn" (-O2 and up) marks the Dense ops for oneDNN's matmul instead
// of prepacking them for bertc's GEMM; CompileOptions::precision = "int8" (-O2 and up) makes
// them bertc.DenseInt8 (quantize_dense), "bf16" bertc.DenseBf16 (convert_dense_bf16).
// Every level ends with dead-code removal and shape inference.
#pragma once

#include "bertc/compile.h"
#include "ir/graph.h"

namespace bertc::passes {

void optimize(ir::Graph& graph, const CompileOptions& options);

// Individual passes (one per file).
// DequantizeLinear (per tensor) of a Gather from a constant int8 table → a Gather from the
// dequantized table (which constant folding then makes fp32). Exact; runs before folding.
void dequantize_gathered_tables(ir::Graph& graph);
// Evaluates every node whose inputs are all constants; its outputs become constants.
void fold_constants(ir::Graph& graph);
// Evaluates integer shape arithmetic on symbolic dims; makes Reshape targets constant.
void fold_shapes(ir::Graph& graph);
// Merges equal small constants and nodes computing the same thing.
void eliminate_common_subexpressions(ir::Graph& graph);
// ONNX Runtime's quantize_dynamic form (DynamicQuantizeLinear, MatMulInteger, Cast, Mul) →
// MatMul with the dequantized weights, named in Graph::int8_weights.
void fuse_quantized_matmul(ir::Graph& graph);
// The QDQ form (DequantizeLinear of constant int8 weights, QuantizeLinear → DequantizeLinear
// of the activations) → MatMul with the dequantized weights, named in Graph::int8_weights. Runs
// before constant folding.
void fuse_qdq_matmul(ir::Graph& graph);
// MatMul/Gemm + bias + activation + residual → bertc.Dense.
void fuse_dense(ir::Graph& graph);
// act(x[..., :F]) · x[..., F:] (a Split in two, GELU on the first half) → bertc.GatedActivation.
void fuse_gated_activation(ir::Graph& graph);
// Decomposed / ONNX layer norm (+ residual add) → bertc.LayerNorm.
void fuse_layer_norm(ir::Graph& graph);
// Embedding gathers + sum + LayerNorm → bertc.EmbedLayerNorm.
void fuse_embed_layer_norm(ir::Graph& graph);
// Scaled dot-product self-attention → bertc.Attention on a concatenated Q|K|V.
void fuse_attention(ir::Graph& graph);
// Concat of Dense projections of one input → one Dense.
void fuse_qkv(ir::Graph& graph);
// Sets attr fast_math on the fused ops.
void set_fast_math(ir::Graph& graph, bool on);
// Dense weights → the GEMM kernels' packed layout.
void prepack_weights(ir::Graph& graph);
// Dense nodes with a constant W (all: `all`; else those whose W is in Graph::int8_weights) →
// bertc.DenseInt8 (int8 weights per column), except those named in `keep_fp32`; `smooth`: rescale outlier channels between X and W (X's channel ranges from
// `ranges` by layer name, else bounded from the LayerNorm that makes X).
void quantize_dense(ir::Graph& graph, bool all, const std::vector<std::string>& keep_fp32, bool smooth,
                    const std::map<std::string, std::vector<float>>& ranges);
// Dense nodes with a constant float32 W → bertc.DenseBf16 (W rounded to bf16 and packed), except
// those named in `keep_fp32`.
void convert_dense_bf16(ir::Graph& graph, const std::vector<std::string>& keep_fp32);
// Dense nodes → oneDNN's matmul (attr gemm = "onednn"; W left [K, N]).
void use_onednn_gemm(ir::Graph& graph);
// Fills graph.input_checks (token id ranges, mask values, maximum sequence length).
void derive_input_checks(ir::Graph& graph);

}  // namespace bertc::passes
