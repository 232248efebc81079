// Parameter rules of the data-movement ops that both their shape functions (shape_data.cc) and
// their reference kernels (kernels/ref/data_*.cc) apply, written once so the two always agree.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::ir {

// Throws bertc::Error "node 'NAME' (OP): MESSAGE" (the format of ShapeContext::fail).
[[noreturn]] void fail_node(const Node& node, const std::string& message);

// Slice's inputs resolved for data of a given rank: one entry per sliced axis, axes normalized
// to [0, rank) and distinct, steps non-zero.
struct SliceArgs {
  std::vector<int64_t> axes, starts, ends, steps;
};
// From the values of Slice's starts, ends and optional axes / steps inputs (nullptr: absent,
// meaning axes 0..n-1 and steps of 1). Fails naming the node on a malformed combination.
SliceArgs slice_args(const Node& node, int64_t rank, std::vector<int64_t> starts,
                     std::vector<int64_t> ends, const std::vector<int64_t>* axes,
                     const std::vector<int64_t>* steps);

// One sliced axis after ONNX's clamping: `len` elements start, start + step, ...
struct SliceRange {
  int64_t start = 0;
  int64_t len = 0;
};
// ONNX rules on an axis of size `dim`: negative start/end count from the end; then for step > 0
// start and end are clamped to [0, dim], for step < 0 start to [0, dim-1] and end to [-1, dim-1].
SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step);

// Gather: the error for an index outside [-dim, dim) on `axis` of data of shape `data_shape`
// ("index 30522 is out of range [-30522, 30522) on axis 0 of data shape [30522, 768]").
[[noreturn]] void fail_gather_index(const Node& node, int64_t index, int64_t axis, int64_t dim,
                                    const std::string& data_shape);

// Shape (opset 15): the half-open range [first, second) of dims it outputs for an input of
// rank `rank`, from the optional start / end attributes (negative counts from the end, clamped).
std::pair<int64_t, int64_t> shape_op_range(const Node& node, int64_t rank);

// Transpose: the `perm` attribute (default: reversed dims), checked to be a permutation of
// 0..rank-1.
std::vector<int64_t> transpose_perm(const Node& node, int64_t rank);

// Constant: the tensor its attribute holds (value, or value_float / value_floats / value_int /
// value_ints); shares storage with the attribute for `value`.
Tensor constant_attr_value(const Node& node);

// ConstantOfShape: the 1-element fill value (attribute `value`; default float32 0).
Tensor constant_of_shape_fill(const Node& node);

}  // namespace bertc::ir
