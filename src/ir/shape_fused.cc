// Shape functions of bertc's internal fused ops (contracts in ops.def): bertc.Dense,
// bertc.LayerNorm, bertc.Attention, bertc.EmbedLayerNorm (their attributes: ir/op_attrs.h).
#include "ir/op_attrs.h"

#include <string>

#include "ir/shape_infer.h"

namespace bertc::ir {
namespace {

void check_inputs(const ShapeContext& ctx, size_t min, size_t max) {
  size_t n = ctx.num_inputs();
  if (n < min || n > max) {
    ctx.fail("takes " + std::to_string(min) + " to " + std::to_string(max) + " inputs, got " +
             std::to_string(n));
  }
}

const TypeInfo& input_of(const ShapeContext& ctx, size_t i, DType want, const char* what) {
  const TypeInfo& t = ctx.input(i);
  if (t.dtype != want) {
    ctx.fail(std::string(what) + " (input " + std::to_string(i) + ") must be " + dtype_name(want) +
             ", got " + dtype_name(t.dtype));
  }
  return t;
}

const TypeInfo& index_input(const ShapeContext& ctx, size_t i, const char* what) {
  const TypeInfo& t = ctx.input(i);
  if (t.dtype != DType::kI64 && t.dtype != DType::kI32) {
    ctx.fail(std::string(what) + " (input " + std::to_string(i) + ") must be int64 or int32, got " +
             dtype_name(t.dtype));
  }
  return t;
}

// Fails when dims a and b are both known and differ.
void check_dim(const ShapeContext& ctx, const Dim& a, const Dim& b, const std::string& what) {
  if (a.is_known() && b.is_known() && a.value != b.value) {
    ctx.fail(what + ": " + a.str() + " does not match " + b.str());
  }
}

// A [n] vector input (gamma, beta, bias) whose length must be `n`.
void check_vector(const ShapeContext& ctx, size_t i, const Dim& n, const char* what) {
  const TypeInfo& t = input_of(ctx, i, DType::kF32, what);
  if (t.shape.size() != 1) {
    ctx.fail(std::string(what) + " (input " + std::to_string(i) + ") must be 1-D, got " +
             shape_str(t.shape));
  }
  check_dim(ctx, t.shape[0], n, std::string(what) + " length");
}

// Fails unless shapes a and b have one rank and no pair of known, different dims.
void check_same_shape(const ShapeContext& ctx, const Shape& a, const Shape& b,
                      const std::string& what) {
  if (a.size() != b.size()) ctx.fail(what + " " + shape_str(b) + " does not match " + shape_str(a));
  for (size_t d = 0; d < a.size(); ++d)
    check_dim(ctx, a[d], b[d], what + " dim " + std::to_string(d));
}

// What bertc.Dense, bertc.DenseInt8 and bertc.DenseBf16 share: X [..., K] → Y [..., N], with the optional bias
// [N] and residual (Y's shape) at inputs bias and bias + 1.
TypeInfo dense_output(const ShapeContext& ctx, const TypeInfo& x, const DenseAttrs::Dims& dims, size_t bias) {
  check_dim(ctx, x.shape.back(), Dim::known(dims.k), "X's last dim (K)");
  TypeInfo out{DType::kF32, x.shape};
  out.shape.back() = Dim::known(dims.n);
  if (ctx.has_input(bias)) check_vector(ctx, bias, Dim::known(dims.n), "bias");
  if (ctx.has_input(bias + 1)) {
    check_same_shape(ctx, out.shape, input_of(ctx, bias + 1, DType::kF32, "residual").shape, "residual");
  }
  return out;
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> dense_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 2, 4);
  const TypeInfo& x = input_of(ctx, 0, DType::kF32, "X");
  if (x.shape.empty()) ctx.fail("X must have rank >= 1");
  const TypeInfo& w = input_of(ctx, 1, DType::kF32, "W");
  return {dense_output(ctx, x, DenseAttrs(ctx.node).dims(w.shape), 2)};
}

std::vector<TypeInfo> dense_int8_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 3, 6);
  const TypeInfo& x = input_of(ctx, 0, DType::kF32, "X");
  if (x.shape.empty()) ctx.fail("X must have rank >= 1");
  const TypeInfo& w = input_of(ctx, 1, DType::kI8, "Wq");
  const DenseAttrs::Dims dims = DenseAttrs(ctx.node).int8_dims(w.shape);
  check_vector(ctx, 2, Dim::known(dims.n), "w_scale");
  const TypeInfo out = dense_output(ctx, x, dims, 3);
  if (ctx.has_input(5)) check_vector(ctx, 5, Dim::known(dims.k), "x_scale");
  return {out};
}

std::vector<TypeInfo> dense_bf16_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 2, 4);
  const TypeInfo& x = input_of(ctx, 0, DType::kF32, "X");
  if (x.shape.empty()) ctx.fail("X must have rank >= 1");
  const TypeInfo& w = input_of(ctx, 1, DType::kI32, "Wb");
  return {dense_output(ctx, x, DenseAttrs(ctx.node).bf16_dims(w.shape), 2)};
}

std::vector<TypeInfo> fused_layer_norm_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 3, 4);
  EpsilonAttrs(ctx.node);  // checks the attribute's type
  const TypeInfo& x = input_of(ctx, 0, DType::kF32, "X");
  if (x.shape.empty()) ctx.fail("X must have rank >= 1");
  check_vector(ctx, 1, x.shape.back(), "gamma");
  check_vector(ctx, 2, x.shape.back(), "beta");
  if (ctx.has_input(3)) {
    check_same_shape(ctx, x.shape, input_of(ctx, 3, DType::kF32, "skip").shape, "skip");
  }
  return {x};
}

std::vector<TypeInfo> attention_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 1, 8);
  const TypeInfo& qkv = input_of(ctx, 0, DType::kF32, "QKV");
  if (qkv.shape.size() != 3) ctx.fail("QKV must be [B, S, 3*NH*D], got " + shape_str(qkv.shape));
  const int64_t heads = AttentionAttrs(ctx.node).num_heads;
  if (ctx.has_input(2)) {
    const TypeInfo& rel = input_of(ctx, 2, DType::kF32, "rel");
    if (rel.shape.size() != 2 || !rel.shape[0].is_known() ||
        (rel.shape[0].value != heads && rel.shape[0].value != 1) || !rel.shape[1].is_known() ||
        rel.shape[1].value % 2 != 1) {
      ctx.fail("rel must be [num_heads = " + std::to_string(heads) + " or 1, 2R - 1], got " +
               shape_str(rel.shape));
    }
    const Dim& seq = qkv.shape[1];
    if (seq.is_known() && seq.value > (rel.shape[1].value + 1) / 2) {
      ctx.fail("a sequence of " + std::to_string(seq.value) + " tokens is longer than the " +
               std::to_string((rel.shape[1].value + 1) / 2) + " the relative position bias covers");
    }
  }
  if (ctx.has_input(1)) {  // absent in a packed batch, whose sequences need no mask
    const TypeInfo& bias = input_of(ctx, 1, DType::kF32, "bias");
    if (bias.shape.size() != 2) ctx.fail("bias must be [B, S], got " + shape_str(bias.shape));
    check_dim(ctx, bias.shape[0], qkv.shape[0], "bias batch");
    check_dim(ctx, bias.shape[1], qkv.shape[1], "bias sequence");
  }
  if (ctx.has_input(3) != ctx.has_input(4)) ctx.fail("cos and sin come together");
  if (ctx.has_input(3)) {
    const TypeInfo& cos = input_of(ctx, 3, DType::kF32, "cos");
    const TypeInfo& sin = input_of(ctx, 4, DType::kF32, "sin");
    const Dim& width = qkv.shape[2];
    const bool fits = cos.shape.size() == 2 && cos.shape[0].is_known() && cos.shape[1].is_known() &&
                      cos.shape[1].value % 2 == 0 && sin.shape.size() == 2 &&
                      sin.shape[0].same_as(cos.shape[0]) && sin.shape[1].same_as(cos.shape[1]) &&
                      (!width.is_known() || width.value == 3 * heads * cos.shape[1].value);
    if (!fits) {
      ctx.fail("cos " + shape_str(cos.shape) + " and sin " + shape_str(sin.shape) +
               " must be [P, D] with D the (even) head size of QKV " + shape_str(qkv.shape));
    }
    const Dim& seq = qkv.shape[1];
    if (seq.is_known() && seq.value > cos.shape[0].value) {
      ctx.fail("a sequence of " + std::to_string(seq.value) + " tokens is longer than the " +
               std::to_string(cos.shape[0].value) + " positions of the rotary tables");
    }
  }
  if (ctx.has_input(5) || ctx.has_input(6) || ctx.has_input(7)) {  // disentangled attention
    if (!ctx.has_input(7) || !(ctx.has_input(5) || ctx.has_input(6))) {
      ctx.fail("pos_index comes with pos_key, pos_query or both");
    }
    if (ctx.has_input(3)) ctx.fail("rotary embeddings and disentangled attention do not combine");
    const TypeInfo& index = input_of(ctx, 7, DType::kI64, "pos_index");
    if (index.shape.size() != 1 || !index.shape[0].is_known() || index.shape[0].value % 2 != 1) {
      ctx.fail("pos_index must be [2R - 1], got " + shape_str(index.shape));
    }
    int64_t rows = -1;  // P, the same in both
    for (size_t i : {5, 6}) {
      if (!ctx.has_input(i)) continue;
      const TypeInfo& t = input_of(ctx, i, DType::kF32, i == 5 ? "pos_key" : "pos_query");
      const Dim& width = qkv.shape[2];
      if (t.shape.size() != 3 || !t.shape[0].is_known() || t.shape[0].value != heads || !t.shape[1].is_known() ||
          !t.shape[2].is_known() || (width.is_known() && width.value != 3 * heads * t.shape[2].value) ||
          (rows >= 0 && t.shape[1].value != rows)) {
        ctx.fail("pos_key and pos_query must be [num_heads = " + std::to_string(heads) + ", P, D] with D the head size of QKV " +
                 shape_str(qkv.shape) + ", got " + shape_str(t.shape));
      }
      rows = t.shape[1].value;
    }
    const Dim& seq = qkv.shape[1];
    if (seq.is_known() && seq.value > (index.shape[0].value + 1) / 2) {
      ctx.fail("a sequence of " + std::to_string(seq.value) + " tokens is longer than the " +
               std::to_string((index.shape[0].value + 1) / 2) + " the relative positions cover");
    }
  }
  TypeInfo out{DType::kF32, qkv.shape};
  const Dim& width = qkv.shape[2];
  if (width.is_known()) {
    if (width.value % (3 * heads) != 0) {
      ctx.fail("QKV width " + std::to_string(width.value) +
               " is not a multiple of 3 * num_heads (" + std::to_string(3 * heads) + ")");
    }
    out.shape[2] = Dim::known(width.value / 3);
  } else {
    out.shape[2] = Dim::unknown();
  }
  return {out};
}

std::vector<TypeInfo> gated_activation_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 1, 1);
  GatedActivationAttrs(ctx.node);  // checks the attribute
  const TypeInfo& x = input_of(ctx, 0, DType::kF32, "X");
  if (x.shape.empty()) ctx.fail("X must have rank >= 1");
  TypeInfo out = x;
  const Dim& w = x.shape.back();
  if (w.is_known()) {
    if (w.value % 2 != 0) ctx.fail("X's last dim " + std::to_string(w.value) + " is not even (two halves)");
    out.shape.back() = Dim::known(w.value / 2);
  } else {
    out.shape.back() = Dim::unknown();
  }
  return {out};
}

std::vector<TypeInfo> embed_layer_norm_shape(const ShapeContext& ctx) {
  check_inputs(ctx, 8, 8);
  EpsilonAttrs(ctx.node);  // checks the attribute's type
  const TypeInfo& ids = index_input(ctx, 0, "ids");
  if (ids.shape.size() != 2) ctx.fail("ids must be [B, S], got " + shape_str(ids.shape));
  const TypeInfo& word = input_of(ctx, 3, DType::kF32, "word table");
  if (word.shape.size() != 2) ctx.fail("word table must be [V, H], got " + shape_str(word.shape));
  const Dim& h = word.shape[1];
  if (ctx.has_input(1) != ctx.has_input(4)) {
    ctx.fail("token_types (input 1) and the type table (input 4) come together");
  }
  if (ctx.has_input(1)) {
    check_same_shape(ctx, ids.shape, index_input(ctx, 1, "token_types").shape, "token_types");
    const TypeInfo& type = input_of(ctx, 4, DType::kF32, "type table");
    if (type.shape.size() != 2) ctx.fail("type table must be [T, H], got " + shape_str(type.shape));
    check_dim(ctx, type.shape[1], h, "type table width");
  }
  if (ctx.has_input(2) != ctx.has_input(5)) {
    ctx.fail("positions (input 2) and the position table (input 5) come together");
  }
  if (ctx.has_input(2)) {
    const TypeInfo& pos = index_input(ctx, 2, "positions");
    if (pos.shape.size() != 2) ctx.fail("positions must be [B|1, S], got " + shape_str(pos.shape));
    if (!(pos.shape[0].is_known() && pos.shape[0].value == 1)) {
      check_dim(ctx, pos.shape[0], ids.shape[0], "positions batch");
    }
    check_dim(ctx, pos.shape[1], ids.shape[1], "positions sequence");
    const TypeInfo& ptab = input_of(ctx, 5, DType::kF32, "position table");
    if (ptab.shape.size() != 2)
      ctx.fail("position table must be [P, H], got " + shape_str(ptab.shape));
    check_dim(ctx, ptab.shape[1], h, "position table width");
  }
  check_vector(ctx, 6, h, "gamma");
  check_vector(ctx, 7, h, "beta");
  return {TypeInfo{DType::kF32, {ids.shape[0], ids.shape[1], h}}};
}

}  // namespace shapes

}  // namespace bertc::ir
