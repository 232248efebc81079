// The shape functions that ops.def's rows name: given the input types (and the values of value
// ports when known), the output types, or a bertc::Error naming the node. Defined in
// shape_math.cc (math ops), shape_data.cc (data movement) and shape_fused.cc (fused ops).
#pragma once

#include <vector>

#include "ir/shape_infer.h"

namespace bertc::ir::shapes {

#define BERTC_SHAPE_FN(name) std::vector<TypeInfo> name(const ShapeContext& ctx);
// math
BERTC_SHAPE_FN(arithmetic_shape)
BERTC_SHAPE_FN(pow_shape)
BERTC_SHAPE_FN(min_max_shape)
BERTC_SHAPE_FN(equal_shape)
BERTC_SHAPE_FN(comparison_shape)
BERTC_SHAPE_FN(logical_shape)
BERTC_SHAPE_FN(not_shape)
BERTC_SHAPE_FN(clip_shape)
BERTC_SHAPE_FN(signed_unary_shape)
BERTC_SHAPE_FN(numeric_unary_shape)
BERTC_SHAPE_FN(float_unary_shape)
BERTC_SHAPE_FN(relu_shape)
BERTC_SHAPE_FN(identity_shape)
BERTC_SHAPE_FN(where_shape)
BERTC_SHAPE_FN(cast_shape)
BERTC_SHAPE_FN(dropout_shape)
BERTC_SHAPE_FN(matmul_shape)
BERTC_SHAPE_FN(gemm_shape)
BERTC_SHAPE_FN(softmax_shape)
BERTC_SHAPE_FN(layer_normalization_shape)
BERTC_SHAPE_FN(reduce_shape)
BERTC_SHAPE_FN(cumsum_shape)
// data movement
BERTC_SHAPE_FN(gather_shape)
BERTC_SHAPE_FN(gather_elements_shape)
BERTC_SHAPE_FN(reshape_shape)
BERTC_SHAPE_FN(flatten_shape)
BERTC_SHAPE_FN(transpose_shape)
BERTC_SHAPE_FN(squeeze_shape)
BERTC_SHAPE_FN(unsqueeze_shape)
BERTC_SHAPE_FN(concat_shape)
BERTC_SHAPE_FN(split_shape)
BERTC_SHAPE_FN(slice_shape)
BERTC_SHAPE_FN(expand_shape)
BERTC_SHAPE_FN(tile_shape)
BERTC_SHAPE_FN(shape_shape)
BERTC_SHAPE_FN(size_shape)
BERTC_SHAPE_FN(constant_shape)
BERTC_SHAPE_FN(constant_of_shape_shape)
BERTC_SHAPE_FN(range_shape)
// fused
BERTC_SHAPE_FN(dynamic_quantize_linear_shape)
BERTC_SHAPE_FN(matmul_integer_shape)
BERTC_SHAPE_FN(quantize_linear_shape)
BERTC_SHAPE_FN(dequantize_linear_shape)
BERTC_SHAPE_FN(dense_shape)
BERTC_SHAPE_FN(dense_int8_shape)
BERTC_SHAPE_FN(dense_bf16_shape)
BERTC_SHAPE_FN(fused_layer_norm_shape)
BERTC_SHAPE_FN(attention_shape)
BERTC_SHAPE_FN(embed_layer_norm_shape)
BERTC_SHAPE_FN(gated_activation_shape)
#undef BERTC_SHAPE_FN

}  // namespace bertc::ir::shapes
