// The typed attributes of bertc's ops, parsed and checked once from a Node, and the parameter
// rules that shape functions (shape_*.cc), passes and kernels share. A kernel receives its
// node's attributes in this form, prepared when the graph is lowered: kernels never see an
// ir::Node. Every struct here is an OpAttrs, which names the node in errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::ir {

// What every op has: its label for errors and the fast_math flag (passes/set_fast_math.cc).
struct OpAttrs {
  std::string label;       // "node 'NAME' (OP)"
  bool fast_math = false;  // attr fast_math = 1: approximate exp / erf / tanh allowed

  explicit OpAttrs(const Node& node);
  // Throws bertc::Error "node 'NAME' (OP): MESSAGE".
  [[noreturn]] void fail(const std::string& message) const;
  // `axis` in [-rank, rank) made non-negative; fails otherwise.
  int64_t normalize_axis(int64_t axis, int64_t rank) const;
};

// Gather (axis, default 0), Concat (axis, required), Split (axis, default 0), Flatten (default 1).
struct AxisAttrs : OpAttrs {
  int64_t axis = 0;
  explicit AxisAttrs(const Node& node);
  // Gather: the error for an index outside [-dim, dim) on `axis` of data of shape `data_shape`
  // ("index 30522 is out of range [-30522, 30522) on axis 0 of data shape [30522, 768]").
  [[noreturn]] void fail_index(int64_t index, int64_t dim, const std::string& data_shape) const;
};

// Gemm: Y = alpha * A' B' + beta * C.
struct GemmAttrs : OpAttrs {
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  explicit GemmAttrs(const Node& node);
};

// Softmax: one axis (default -1); with bertc_coerce_2d = 1 (set by the importer for opset < 13)
// the old semantics: flattened to 2-D at `axis` (default 1), softmax over every dim from it.
struct SoftmaxAttrs : OpAttrs {
  int64_t axis = -1;
  bool coerce_2d = false;
  explicit SoftmaxAttrs(const Node& node);
  // The dims [first, second) one softmax runs over for a rank-`rank` input.
  std::pair<int64_t, int64_t> axes(int64_t rank) const;
};

// LayerNormalization (opset 17): normalizes dims [axis, rank); stash_type must be 1 (float).
struct LayerNormalizationAttrs : OpAttrs {
  int64_t axis = -1;
  float epsilon = 1e-5f;
  int64_t stash_type = 1;
  explicit LayerNormalizationAttrs(const Node& node);
  int64_t first_axis(int64_t rank) const { return normalize_axis(axis, rank); }
};

// QuantizeLinear / DequantizeLinear: scales and zero points per tensor (a scalar) or per slice
// of `axis` (default 1); blocked quantization (opset 21's block_size) is refused. QuantizeLinear's
// output_dtype (opset 21): uint8 or int8, else taken from the zero point (default uint8).
struct QuantizeAttrs : OpAttrs {
  int64_t axis = 1;
  std::optional<DType> output_dtype;
  explicit QuantizeAttrs(const Node& node);
};

// ReduceMean / ReduceSum / ReduceMax.
struct ReduceAttrs : OpAttrs {
  std::vector<int64_t> axes;  // the `axes` attribute (older opsets); input 1 wins when given
  bool keepdims = true;
  bool noop_with_empty_axes = false;
  explicit ReduceAttrs(const Node& node);
  // Which dims of a rank-`rank` input are reduced (mask[d] true), the axes from input 1's value
  // `axes_input` when given, else from the attribute; negative axes count from the end,
  // repeats fail. Empty axes reduce every dim unless noop_with_empty_axes.
  std::vector<bool> reduced(const Tensor* axes_input, int64_t rank) const;
};

// CumSum: exclusive, reverse; the axis is input 1's value.
struct CumSumAttrs : OpAttrs {
  bool exclusive = false, reverse = false;
  explicit CumSumAttrs(const Node& node);
  // The axis input 1's value (an int32/int64 scalar or 1-element tensor) names, normalized.
  int64_t axis_of(const Tensor& axis, int64_t rank) const;
};

// Shape (opset 15): dims [start, end) (negative counts from the end, clamped).
struct ShapeAttrs : OpAttrs {
  std::optional<int64_t> start, end;
  explicit ShapeAttrs(const Node& node);
  std::pair<int64_t, int64_t> range(int64_t rank) const;
};

// Transpose: perm (default: the dims reversed).
struct TransposeAttrs : OpAttrs {
  std::optional<std::vector<int64_t>> perm;
  explicit TransposeAttrs(const Node& node);
  // The permutation for a rank-`rank` input, checked to be one of 0..rank-1.
  std::vector<int64_t> perm_for(int64_t rank) const;
};

// Constant: the tensor its attribute holds (value, value_float(s), value_int(s)); shares
// storage with the attribute for `value`.
struct ConstantAttrs : OpAttrs {
  Tensor value;
  explicit ConstantAttrs(const Node& node);
};

// ConstantOfShape: the 1-element fill (attribute value; default float32 0).
struct ConstantOfShapeAttrs : OpAttrs {
  Tensor fill;
  explicit ConstantOfShapeAttrs(const Node& node);
};

// Slice's inputs resolved for data of a given rank: one entry per sliced axis, axes normalized
// to [0, rank) and distinct, steps non-zero.
struct SliceArgs {
  std::vector<int64_t> axes, starts, ends, steps;
};
// From the values of Slice's starts, ends and optional axes / steps inputs (nullptr: absent,
// meaning axes 0..n-1 and steps of 1). Fails naming the node on a malformed combination.
SliceArgs slice_args(const OpAttrs& node, int64_t rank, std::vector<int64_t> starts,
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

// Dropout: fails unless the node is the identity, as bertc runs inference only: training_mode
// (input 2's value `training`; nullptr: absent) false, or ratio 0 (input 1's value `ratio`;
// nullptr: absent, meaning 0.5).
void check_dropout_identity(const OpAttrs& node, const Tensor* ratio, const Tensor* training);

// ---- bertc's fused ops (contracts in ops.def) ----

// bertc.Dense's activation, applied to X·W + bias before the residual is added.
enum class DenseActivation : int64_t {
  kNone = 0,
  kGeluErf = 1,   // 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh = 2,  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  kRelu = 3,
  kTanh = 4,
};
const char* dense_activation_name(DenseActivation activation);

struct DenseAttrs : OpAttrs {
  DenseActivation activation = DenseActivation::kNone;
  bool packed = false;     // W in the packed layout of ir/packed_weights.h
  int64_t k = -1, n = -1;  // K and N of a packed W (attrs k, n)
  std::string gemm;        // "onednn": passes/use_onednn_gemm.cc chose oneDNN for this node
  explicit DenseAttrs(const Node& node);

  struct Dims {
    int64_t k, n;
  };
  // K and N from W's shape (not packed: [K, N]) or from k, n (packed: W must then be
  // [dense_packed_size(k, n)]). Fails naming the node otherwise.
  Dims dims(const Shape& w) const;
  // bertc.DenseInt8: K and N from k, n, with Wq [dense_int8_packed_size(k, n)].
  Dims int8_dims(const Shape& w) const;
  // bertc.DenseBf16: K and N from k, n, with Wb [dense_bf16_packed_size(k, n)].
  Dims bf16_dims(const Shape& w) const;
};

// bertc.LayerNorm (default epsilon 1e-5) and bertc.EmbedLayerNorm (default 1e-12).
struct EpsilonAttrs : OpAttrs {
  float epsilon;
  explicit EpsilonAttrs(const Node& node);
};

// bertc.GatedActivation.
struct GatedActivationAttrs : OpAttrs {
  DenseActivation activation = DenseActivation::kGeluErf;  // not kNone
  explicit GatedActivationAttrs(const Node& node);
};

// bertc.Attention.
struct AttentionAttrs : OpAttrs {
  int64_t num_heads = 0;  // > 0
  float scale = 1.0f;
  int64_t window = 0;     // > 0: query i attends to keys |j - i| <= window only; 0: every key
  explicit AttentionAttrs(const Node& node);
};

}  // namespace bertc::ir
