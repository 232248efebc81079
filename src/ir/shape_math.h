// Parameter rules of the math ops that both their shape functions (shape_math.cc) and their
// reference kernels (kernels/ref/math_*.cc) apply, written once so the two always agree. Each
// throws bertc::Error "node 'NAME' (OP): MESSAGE" on a bad parameter.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::ir {

// ReduceMean / ReduceSum / ReduceMax: which dims of a rank-`rank` input the node reduces
// (mask[d] true). The axes come from input 1's value `axes_input` when given (ReduceSum opset 13,
// the others opset 18), else from the `axes` attribute; negative axes count from the end,
// repeats are an error. Empty axes reduce every dim, unless noop_with_empty_axes = 1, when no
// dim is reduced (the op copies its input).
std::vector<bool> reduce_axes(const Node& node, const Tensor* axes_input, int64_t rank);

// Softmax: the dims [first, second) that one softmax runs over for a rank-`rank` input: the dim
// `axis` (default -1). With int attribute bertc_coerce_2d = 1 (set by the importer for
// opset < 13) the old semantics: the input is flattened to 2-D at `axis` (default 1) and the
// softmax runs over every dim from `axis` on.
std::pair<int64_t, int64_t> softmax_axes(const Node& node, int64_t rank);

// LayerNormalization: the first normalized dim (attribute `axis`, default -1, normalized); the
// op normalizes over dims [axis, rank).
int64_t layer_norm_axis(const Node& node, int64_t rank);

// CumSum: the axis that input 1's value (`axis`: an int32/int64 scalar or 1-element tensor)
// names for a rank-`rank` input, normalized.
int64_t cumsum_axis(const Node& node, const Tensor& axis, int64_t rank);

// Dropout: fails unless the node is the identity, as bertc runs inference only: training_mode
// (input 2's value `training`; nullptr: absent) false, or ratio 0 (input 1's value `ratio`;
// nullptr: absent, meaning 0.5).
void check_dropout_identity(const Node& node, const Tensor* ratio, const Tensor* training);

}  // namespace bertc::ir
