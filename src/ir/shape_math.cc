// Shape functions of the math ops (elementwise, MatMul/Gemm, Softmax, LayerNormalization,
// reductions, CumSum), and the parameter rules they share with the kernels (shape_math.h).
#include "ir/op_attrs.h"

#include <cstdint>
#include <initializer_list>
#include <string>

#include "bertc/error.h"
#include "ir/shape_infer.h"

namespace bertc::ir {
namespace {

// ---- dtype sets ----------------------------------------------------------------------------

using DTypeSet = uint32_t;

constexpr DTypeSet dtypes(std::initializer_list<DType> list) {
  DTypeSet set = 0;
  for (DType d : list) set |= 1u << static_cast<int>(d);
  return set;
}

constexpr DTypeSet kFloat = dtypes({DType::kF32, DType::kF64});
constexpr DTypeSet kSigned = kFloat | dtypes({DType::kI8, DType::kI32, DType::kI64});
constexpr DTypeSet kNumeric = kSigned | dtypes({DType::kU8});
constexpr DTypeSet kAll = kNumeric | dtypes({DType::kBool});
constexpr DTypeSet kBool = dtypes({DType::kBool});
constexpr DTypeSet kRelu = kSigned;  // opset 14 added int8/16/32/64
constexpr DTypeSet kMatMul = dtypes({DType::kF32, DType::kF64, DType::kI32, DType::kI64});
constexpr DTypeSet kPowBase = kMatMul;
constexpr DTypeSet kCumSum = kMatMul;
constexpr DTypeSet kIndex = dtypes({DType::kI32, DType::kI64});

bool in_set(DType dtype, DTypeSet set) { return (set >> static_cast<int>(dtype)) & 1u; }

std::string set_str(DTypeSet set) {
  std::string s;
  for (DType d :
       {DType::kF32, DType::kF64, DType::kI8, DType::kU8, DType::kI32, DType::kI64, DType::kBool}) {
    if (!in_set(d, set)) continue;
    if (!s.empty()) s += ", ";
    s += dtype_name(d);
  }
  return s;
}

// Input i's type, failing when its dtype is not in `allowed`.
const TypeInfo& typed_input(const ShapeContext& ctx, size_t i, DTypeSet allowed) {
  const TypeInfo& t = ctx.input(i);
  if (!in_set(t.dtype, allowed)) {
    ctx.fail("input " + std::to_string(i) + " has dtype " + dtype_name(t.dtype) +
             ", expected one of: " + set_str(allowed));
  }
  return t;
}

// Fails unless inputs i and j have the same dtype.
void check_same_dtype(const ShapeContext& ctx, size_t i, size_t j) {
  DType a = ctx.input(i).dtype, b = ctx.input(j).dtype;
  if (a != b) {
    ctx.fail("inputs " + std::to_string(i) + " and " + std::to_string(j) +
             " have different dtypes " + dtype_name(a) + " and " + dtype_name(b));
  }
}

void check_num_inputs(const ShapeContext& ctx, size_t min, size_t max) {
  size_t n = ctx.num_inputs();
  if (n >= min && n <= max) return;
  std::string want = min == max        ? std::to_string(min)
                     : max == SIZE_MAX ? "at least " + std::to_string(min)
                                       : std::to_string(min) + " to " + std::to_string(max);
  ctx.fail("takes " + want + " inputs, got " + std::to_string(n));
}

void check_max_outputs(const ShapeContext& ctx, size_t max) {
  if (ctx.num_outputs() > max) {
    ctx.fail("has at most " + std::to_string(max) + " outputs, got " +
             std::to_string(ctx.num_outputs()));
  }
}

// Fails unless `from` broadcasts to `to` without changing `to` (unidirectional broadcasting).
// Symbolic dims that cannot be compared are accepted.
void check_unidirectional(const ShapeContext& ctx, const Shape& from, const Shape& to,
                          const std::string& what) {
  bool ok = from.size() <= to.size();
  for (size_t k = 0; ok && k < from.size(); ++k) {
    const Dim& f = from[from.size() - 1 - k];
    const Dim& t = to[to.size() - 1 - k];
    if (f.is_known() && f.value != 1 && t.is_known() && t.value != f.value) ok = false;
  }
  if (!ok) {
    ctx.fail(what + " of shape " + shape_str(from) + " does not broadcast to " + shape_str(to));
  }
}

// ---- elementwise ---------------------------------------------------------------------------

// Inputs [0, n) of one dtype from `Allowed`, broadcast together (Min/Max: n >= 1, else n = 2).
// The output has their dtype, or bool when `ToBool`.
template <DTypeSet Allowed, bool ToBool, bool Variadic>
std::vector<TypeInfo> broadcast_shape(const ShapeContext& ctx) {
  if (Variadic) {
    check_num_inputs(ctx, 1, SIZE_MAX);
  } else {
    check_num_inputs(ctx, 2, 2);
  }
  TypeInfo out = typed_input(ctx, 0, Allowed);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    typed_input(ctx, i, Allowed);
    check_same_dtype(ctx, 0, i);
    out.shape = broadcast_shapes(ctx, out.shape, ctx.input(i).shape);
  }
  if (ToBool) out.dtype = DType::kBool;
  return {out};
}

}  // namespace

namespace shapes {

// Pow: base float/double/int32/int64, exponent any numeric dtype; output like the base.
std::vector<TypeInfo> pow_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 2);
  TypeInfo out = typed_input(ctx, 0, kPowBase);
  out.shape = broadcast_shapes(ctx, out.shape, typed_input(ctx, 1, kNumeric).shape);
  return {out};
}

// Where: bool condition, X and Y of one dtype; all three broadcast.
std::vector<TypeInfo> where_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 3, 3);
  const TypeInfo& cond = typed_input(ctx, 0, kBool);
  TypeInfo out = typed_input(ctx, 1, kAll);
  typed_input(ctx, 2, kAll);
  check_same_dtype(ctx, 1, 2);
  out.shape =
      broadcast_shapes(ctx, broadcast_shapes(ctx, cond.shape, out.shape), ctx.input(2).shape);
  return {out};
}

}  // namespace shapes

namespace {

// One input of a dtype in `Allowed`; the output has its type.
template <DTypeSet Allowed>
std::vector<TypeInfo> unary_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 1);
  return {typed_input(ctx, 0, Allowed)};
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> cast_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 1);
  TypeInfo out = typed_input(ctx, 0, kAll);
  if (!ctx.node.attrs.has("to")) ctx.fail("missing attribute 'to'");
  int64_t to = ctx.node.attrs.get_int("to");
  if (to < static_cast<int64_t>(DType::kF32) || to > static_cast<int64_t>(DType::kBool)) {
    ctx.fail("attribute 'to' = " + std::to_string(to) + " is not a bertc dtype code");
  }
  out.dtype = static_cast<DType>(to);
  return {out};
}

// Dropout (inference): Y = X, optional mask (bool, all true). Inputs ratio and training_mode
// are optional; training with a non-zero ratio is refused once the values are known.
std::vector<TypeInfo> dropout_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 3);
  check_max_outputs(ctx, 2);
  TypeInfo out = typed_input(ctx, 0, kFloat);
  if (ctx.has_input(1)) typed_input(ctx, 1, kFloat);
  if (ctx.has_input(2)) typed_input(ctx, 2, kBool);
  if (ctx.value(2) && (!ctx.has_input(1) || ctx.value(1))) {
    check_dropout_identity(OpAttrs(ctx.node), ctx.value(1), ctx.value(2));
  }
  return {out, TypeInfo{DType::kBool, out.shape}};
}

}  // namespace shapes

namespace {

// ---- linear algebra ------------------------------------------------------------------------

void check_inner_dims(const ShapeContext& ctx, const Dim& ka, const Dim& kb, const Shape& a,
                      const Shape& b) {
  if (ka.is_known() && kb.is_known() && ka.value != kb.value) {
    ctx.fail("inner dimensions differ: A " + shape_str(a) + " and B " + shape_str(b));
  }
}

}  // namespace

namespace shapes {

// MatMul: numpy matmul. A 1-D A is a row vector and a 1-D B a column vector, their added dim
// dropped from the output; batch dims broadcast.
std::vector<TypeInfo> matmul_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 2);
  const TypeInfo& a = typed_input(ctx, 0, kMatMul);
  const TypeInfo& b = typed_input(ctx, 1, kMatMul);
  check_same_dtype(ctx, 0, 1);
  if (a.shape.empty() || b.shape.empty()) ctx.fail("inputs must have rank >= 1 (no scalars)");
  Shape a2 = a.shape.size() == 1 ? Shape{Dim::known(1), a.shape[0]} : a.shape;
  Shape b2 = b.shape.size() == 1 ? Shape{b.shape[0], Dim::known(1)} : b.shape;
  check_inner_dims(ctx, a2.back(), b2[b2.size() - 2], a.shape, b.shape);
  Shape out =
      broadcast_shapes(ctx, Shape(a2.begin(), a2.end() - 2), Shape(b2.begin(), b2.end() - 2));
  if (a.shape.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.shape.size() > 1) out.push_back(b2.back());
  return {TypeInfo{a.dtype, out}};
}

// DynamicQuantizeLinear(x float32) -> y uint8 (x's shape), y_scale float32 [], y_zero_point
// uint8 [].
std::vector<TypeInfo> dynamic_quantize_linear_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 1);
  const TypeInfo& x = typed_input(ctx, 0, dtypes({DType::kF32}));
  return {TypeInfo{DType::kU8, x.shape}, TypeInfo{DType::kF32, {}}, TypeInfo{DType::kU8, {}}};
}

// MatMulInteger(A, B, a_zero_point?, b_zero_point?) -> int32, shaped as MatMul's; A and B uint8
// or int8, each zero point of its operand's dtype: a scalar, or B's per column [N].
std::vector<TypeInfo> matmul_integer_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 4);
  constexpr DTypeSet kInt8s = dtypes({DType::kU8, DType::kI8});
  const TypeInfo& a = typed_input(ctx, 0, kInt8s);
  const TypeInfo& b = typed_input(ctx, 1, kInt8s);
  if (a.shape.size() < 2 || b.shape.size() != 2) {
    ctx.fail("A must be [..., M, K] and B [K, N], got " + shape_str(a.shape) + " and " + shape_str(b.shape));
  }
  check_inner_dims(ctx, a.shape.back(), b.shape[0], a.shape, b.shape);
  for (size_t i : {size_t{2}, size_t{3}}) {
    if (!ctx.has_input(i)) continue;
    const TypeInfo& z = typed_input(ctx, i, kInt8s);
    if (z.dtype != (i == 2 ? a : b).dtype) ctx.fail("a zero point's dtype differs from its operand's");
    const bool scalar = z.shape.empty() || (z.shape.size() == 1 && z.shape[0].is_known() && z.shape[0].value == 1);
    const bool per_column = i == 3 && z.shape.size() == 1 && z.shape[0].is_known() && b.shape[1].is_known() &&
                            z.shape[0].value == b.shape[1].value;
    if (!scalar && !per_column) {
      ctx.fail(std::string(i == 2 ? "a_zero_point must be a scalar" : "b_zero_point must be a scalar or [N]") +
               ", got " + shape_str(z.shape));
    }
  }
  Shape out(a.shape.begin(), a.shape.end() - 1);
  out.push_back(b.shape[1]);
  return {TypeInfo{DType::kI32, out}};
}

// QuantizeLinear / DequantizeLinear's scale (input 1) and zero point (input 2, optional, the
// dtype `zero_point_dtype`): each a scalar (or [1]), or [C] with C the size of x's dim `axis`;
// the zero point shaped as the scale.
void check_quantization_params(const ShapeContext& ctx, const TypeInfo& x, DType zero_point_dtype) {
  const QuantizeAttrs attrs(ctx.node);
  const TypeInfo& scale = typed_input(ctx, 1, dtypes({DType::kF32}));
  const bool scalar = scale.shape.empty() || (scale.shape.size() == 1 && scale.shape[0].is_known() && scale.shape[0].value == 1);
  if (!scalar) {
    if (scale.shape.size() != 1) ctx.fail("the scale must be a scalar or 1-D, got " + shape_str(scale.shape));
    const Dim& channels = x.shape[attrs.normalize_axis(attrs.axis, static_cast<int64_t>(x.shape.size()))];
    if (channels.is_known() && scale.shape[0].is_known() && channels.value != scale.shape[0].value) {
      ctx.fail("the scale has " + std::to_string(scale.shape[0].value) + " values for axis " +
               std::to_string(attrs.axis) + " of size " + std::to_string(channels.value) + " (x " +
               shape_str(x.shape) + ")");
    }
  }
  if (!ctx.has_input(2)) return;
  const TypeInfo& zero_point = ctx.input(2);
  if (zero_point.dtype != zero_point_dtype) {
    ctx.fail(std::string("the zero point has dtype ") + dtype_name(zero_point.dtype) + ", expected " +
             dtype_name(zero_point_dtype));
  }
  if (zero_point.shape.size() != scale.shape.size() ||
      (!scalar && zero_point.shape[0].is_known() && scale.shape[0].is_known() &&
       zero_point.shape[0].value != scale.shape[0].value)) {
    ctx.fail("the zero point " + shape_str(zero_point.shape) + " is not shaped as the scale " + shape_str(scale.shape));
  }
}

// QuantizeLinear(x float32, y_scale, y_zero_point?) -> uint8 or int8 (the zero point's dtype, or
// output_dtype, default uint8), x's shape.
std::vector<TypeInfo> quantize_linear_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 3);
  const TypeInfo& x = typed_input(ctx, 0, dtypes({DType::kF32}));
  const std::optional<DType> wanted = QuantizeAttrs(ctx.node).output_dtype;
  DType out = wanted.value_or(DType::kU8);
  if (ctx.has_input(2)) {
    out = typed_input(ctx, 2, dtypes({DType::kU8, DType::kI8})).dtype;
    if (wanted && *wanted != out) ctx.fail("output_dtype differs from the zero point's dtype");
  }
  check_quantization_params(ctx, x, out);
  return {TypeInfo{out, x.shape}};
}

// DequantizeLinear(x uint8 / int8 / int32, x_scale, x_zero_point?) -> float32, x's shape.
std::vector<TypeInfo> dequantize_linear_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 3);
  const TypeInfo& x = typed_input(ctx, 0, dtypes({DType::kU8, DType::kI8, DType::kI32}));
  check_quantization_params(ctx, x, x.dtype);
  return {TypeInfo{DType::kF32, x.shape}};
}

// Gemm: Y[M, N] = alpha * A' B' + beta * C, A' = transA ? A^T : A (likewise B); C optional and
// unidirectionally broadcast to [M, N].
std::vector<TypeInfo> gemm_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 3);
  const TypeInfo& a = typed_input(ctx, 0, kMatMul);
  const TypeInfo& b = typed_input(ctx, 1, kMatMul);
  check_same_dtype(ctx, 0, 1);
  if (a.shape.size() != 2 || b.shape.size() != 2) {
    ctx.fail("A and B must be 2-D, got " + shape_str(a.shape) + " and " + shape_str(b.shape));
  }
  const GemmAttrs attrs(ctx.node);
  const bool ta = attrs.trans_a, tb = attrs.trans_b;
  const Dim& m = a.shape[ta ? 1 : 0];
  const Dim& n = b.shape[tb ? 0 : 1];
  check_inner_dims(ctx, a.shape[ta ? 0 : 1], b.shape[tb ? 1 : 0], a.shape, b.shape);
  Shape out{m, n};
  if (ctx.has_input(2)) {
    typed_input(ctx, 2, kMatMul);
    check_same_dtype(ctx, 0, 2);
    check_unidirectional(ctx, ctx.input(2).shape, out, "C");
  }
  return {TypeInfo{a.dtype, out}};
}

}  // namespace shapes

namespace {

// ---- normalization -------------------------------------------------------------------------

}  // namespace

namespace shapes {

std::vector<TypeInfo> softmax_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 1);
  const TypeInfo& x = typed_input(ctx, 0, kFloat);
  SoftmaxAttrs(ctx.node).axes(static_cast<int64_t>(x.shape.size()));
  return {x};
}

// LayerNormalization (opset 17): Y like X; Mean and InvStdDev (stash_type float32) have X's
// shape with the normalized dims set to 1.
std::vector<TypeInfo> layer_normalization_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 3);
  check_max_outputs(ctx, 3);
  const TypeInfo& x = typed_input(ctx, 0, kFloat);
  const LayerNormalizationAttrs attrs(ctx.node);  // checks stash_type
  const int64_t axis = attrs.first_axis(static_cast<int64_t>(x.shape.size()));
  Shape normalized(x.shape.begin() + axis, x.shape.end());
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    typed_input(ctx, i, kFloat);
    check_same_dtype(ctx, 0, i);
    check_unidirectional(ctx, ctx.input(i).shape, normalized, i == 1 ? "Scale" : "B");
  }
  TypeInfo stats{DType::kF32, x.shape};
  for (size_t d = static_cast<size_t>(axis); d < x.shape.size(); ++d)
    stats.shape[d] = Dim::known(1);
  return {x, stats, stats};
}

}  // namespace shapes

namespace {

// ---- reductions and scans ------------------------------------------------------------------

}  // namespace

namespace shapes {

std::vector<TypeInfo> reduce_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 2);
  const TypeInfo& x = typed_input(ctx, 0, kNumeric);
  const ReduceAttrs attrs(ctx.node);
  const bool keepdims = attrs.keepdims;
  const int64_t rank = static_cast<int64_t>(x.shape.size());
  if (ctx.has_input(1)) {
    typed_input(ctx, 1, kIndex);
    if (!ctx.value(1)) {
      // The axes are computed at run time: with keepdims the rank is still known.
      if (!keepdims) ctx.fail("axes (input 1) must be known when keepdims = 0");
      return {TypeInfo{x.dtype, Shape(x.shape.size(), Dim::unknown())}};
    }
  }
  std::vector<bool> mask = attrs.reduced(ctx.value(1), rank);
  TypeInfo out{x.dtype, {}};
  for (int64_t d = 0; d < rank; ++d) {
    if (!mask[d]) {
      out.shape.push_back(x.shape[d]);
    } else if (keepdims) {
      out.shape.push_back(Dim::known(1));
    }
  }
  return {out};
}

std::vector<TypeInfo> cumsum_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 2, 2);
  const TypeInfo& x = typed_input(ctx, 0, kCumSum);
  const TypeInfo& axis = typed_input(ctx, 1, kIndex);
  if (axis.shape.size() > 1 ||
      (axis.shape.size() == 1 && axis.shape[0].is_known() && axis.shape[0].value != 1)) {
    ctx.fail("axis (input 1) must be a scalar, got shape " + shape_str(axis.shape));
  }
  if (ctx.value(1)) {
    CumSumAttrs(ctx.node).axis_of(*ctx.value(1), static_cast<int64_t>(x.shape.size()));
  }
  return {x};
}

// The elementwise families, by the dtypes they take.
std::vector<TypeInfo> arithmetic_shape(const ShapeContext& ctx) {
  return broadcast_shape<kNumeric, false, false>(ctx);
}
std::vector<TypeInfo> min_max_shape(const ShapeContext& ctx) {
  return broadcast_shape<kNumeric, false, true>(ctx);
}
std::vector<TypeInfo> equal_shape(const ShapeContext& ctx) {
  return broadcast_shape<kAll, true, false>(ctx);
}
std::vector<TypeInfo> comparison_shape(const ShapeContext& ctx) {
  return broadcast_shape<kNumeric, true, false>(ctx);
}
std::vector<TypeInfo> logical_shape(const ShapeContext& ctx) {
  return broadcast_shape<kBool, true, false>(ctx);
}
std::vector<TypeInfo> not_shape(const ShapeContext& ctx) { return unary_shape<kBool>(ctx); }
// Clip(x, min?, max?): min and max, when given, are one-element numeric values (x's dtype in
// ONNX; torch's opset-11 export of an int64 clamp gives float32 bounds, converted to x's dtype).
std::vector<TypeInfo> clip_shape(const ShapeContext& ctx) {
  check_num_inputs(ctx, 1, 3);
  const TypeInfo& x = typed_input(ctx, 0, kNumeric);
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    typed_input(ctx, i, kNumeric);
    for (const Dim& d : ctx.input(i).shape) {
      if (!d.is_known() || d.value != 1) {
        ctx.fail(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " + shape_str(ctx.input(i).shape));
      }
    }
  }
  return {x};
}
std::vector<TypeInfo> signed_unary_shape(const ShapeContext& ctx) { return unary_shape<kSigned>(ctx); }
std::vector<TypeInfo> numeric_unary_shape(const ShapeContext& ctx) { return unary_shape<kNumeric>(ctx); }
std::vector<TypeInfo> float_unary_shape(const ShapeContext& ctx) { return unary_shape<kFloat>(ctx); }
std::vector<TypeInfo> relu_shape(const ShapeContext& ctx) { return unary_shape<kRelu>(ctx); }
std::vector<TypeInfo> identity_shape(const ShapeContext& ctx) { return unary_shape<kAll>(ctx); }

}  // namespace shapes

}  // namespace bertc::ir
