// Shape functions of the data-movement family: Gather Reshape Flatten Transpose Squeeze Unsqueeze
// Concat Split Slice Expand Shape Size Constant ConstantOfShape Range (ONNX opsets 11-17, with
// axes / split always as input 1). Symbolic dims are carried over wherever an output dim equals
// an input dim; value ports unknown at compile time give unknown dims of the right rank.
#include "ir/op_attrs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <type_traits>

#include "base/checked_math.h"
#include "bertc/error.h"
#include "ir/shape_infer.h"

namespace bertc::ir {

// ---- shape functions ----

namespace {

bool is_int_dtype(DType t) {
  return t == DType::kI64 || t == DType::kI32 || t == DType::kI8 || t == DType::kU8;
}

// The values of integer input i (a value port), or nullopt when unknown at compile time.
std::optional<std::vector<int64_t>> int_values(const ShapeContext& ctx, size_t i,
                                               const char* what) {
  const TypeInfo& t = ctx.input(i);
  if (!is_int_dtype(t.dtype)) {
    ctx.fail(std::string(what) + " must be an integer tensor, got " + dtype_name(t.dtype));
  }
  const Tensor* v = ctx.value(i);
  if (!v) return std::nullopt;
  return v->to_int64_vector();
}

// The number of entries of 1-D input i (a scalar counts as 1); fails when unknown.
int64_t vector_length(const ShapeContext& ctx, size_t i, const char* what) {
  const Shape& s = ctx.input(i).shape;
  if (s.size() > 1) ctx.fail(std::string(what) + " must be 1-D, got shape " + shape_str(s));
  if (s.empty()) return 1;
  if (!s[0].is_known()) {
    ctx.fail(std::string(what) + " has an unknown length, so the output rank cannot be known");
  }
  return s[0].value;
}

Shape unknown_dims(int64_t rank) { return Shape(static_cast<size_t>(std::max<int64_t>(rank, 0))); }

// Normalizes `axes` for `rank` (negative counts from the end); fails on a repeat.
std::vector<int64_t> normalize_axes(const ShapeContext& ctx, const std::vector<int64_t>& axes,
                                    int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t a : axes) {
    int64_t n = normalize_axis(ctx, a, rank);
    if (std::find(out.begin(), out.end(), n) != out.end()) {
      ctx.fail("axis " + std::to_string(a) + " appears more than once in axes");
    }
    out.push_back(n);
  }
  return out;
}

// The product of a shape's known dims, and its other dims.
std::pair<int64_t, Shape> split_known(const Shape& s) {
  int64_t known = 1;
  Shape others;
  for (const Dim& d : s) {
    if (d.is_known()) {
      known = base::checked_mul(known, d.value, "shape " + shape_str(s));
    } else {
      others.push_back(d);
    }
  }
  return {known, others};
}

// The product of dims [begin, end): known when all are known (or one is 0), the single
// non-known dim when the others multiply to 1, else unknown.
Dim dims_product(const Shape& s, size_t begin, size_t end) {
  const auto [known, others] = split_known(Shape(s.begin() + begin, s.begin() + end));
  if (others.empty() || known == 0) return Dim::known(known);
  return (others.size() == 1 && known == 1) ? others[0] : Dim::unknown();
}

// Two dims that must be equal: fails when both are known and differ; prefers a known dim,
// then a named symbol.
Dim merge_dims(const ShapeContext& ctx, const Dim& a, const Dim& b, const std::string& where) {
  if (a.is_known() && b.is_known() && a.value != b.value) {
    ctx.fail(where + ": dim " + a.str() + " does not match " + b.str());
  }
  if (a.is_known()) return a;
  if (b.is_known()) return b;
  return a.symbol.empty() ? b : a;
}

// Gather's and GatherElements' common rules: int32 / int64 indices, data of rank >= 1; the
// normalized axis.
int64_t gather_axis(const ShapeContext& ctx, const TypeInfo& data, const TypeInfo& idx) {
  if (idx.dtype != DType::kI64 && idx.dtype != DType::kI32) {
    ctx.fail(std::string("indices must be int32 or int64, got ") + dtype_name(idx.dtype));
  }
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) ctx.fail("data must have rank >= 1");
  const AxisAttrs attrs(ctx.node);
  return attrs.normalize_axis(attrs.axis, rank);
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> gather_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const TypeInfo& idx = ctx.input(1);
  const int64_t axis = gather_axis(ctx, data, idx);
  const AxisAttrs attrs(ctx.node);
  const Dim& dim = data.shape[static_cast<size_t>(axis)];
  if (const Tensor* v = ctx.value(1); v && dim.is_known()) {  // constant indices: check now
    for (int64_t i : v->to_int64_vector()) {
      if (i < -dim.value || i >= dim.value) {
        attrs.fail_index(i, dim.value, shape_str(data.shape));
      }
    }
  }
  Shape out(data.shape.begin(), data.shape.begin() + axis);
  out.insert(out.end(), idx.shape.begin(), idx.shape.end());
  out.insert(out.end(), data.shape.begin() + axis + 1, data.shape.end());
  return {{data.dtype, out}};
}

// GatherElements(data, indices): indices int32 / int64 of data's rank; the output has the
// indices' shape and data's dtype. Off the axis, indices may not be longer than data.
std::vector<TypeInfo> gather_elements_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const TypeInfo& idx = ctx.input(1);
  const int64_t axis = gather_axis(ctx, data, idx);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (static_cast<int64_t>(idx.shape.size()) != rank) {
    ctx.fail("indices " + shape_str(idx.shape) + " must have the rank of data " + shape_str(data.shape));
  }
  for (int64_t i = 0; i < rank; ++i) {
    const Dim& d = data.shape[static_cast<size_t>(i)];
    const Dim& n = idx.shape[static_cast<size_t>(i)];
    if (i != axis && d.is_known() && n.is_known() && n.value > d.value) {
      ctx.fail("indices " + shape_str(idx.shape) + " are longer than data " + shape_str(data.shape) + " on axis " +
               std::to_string(i));
    }
  }
  return {{data.dtype, idx.shape}};
}

}  // namespace shapes

namespace {

// Reshape's output from the input shape and the shape value (0 copies, -1 inferred). Dims
// common to both sides cancel, so symbolic dims survive and counts are checked when possible.
Shape reshape_dims(const ShapeContext& ctx, const Shape& in, const std::vector<int64_t>& spec,
                   bool allowzero) {
  auto bad = [&](const std::string& why) {
    ctx.fail("cannot reshape " + shape_str(in) + " to " + dims_str(spec) + ": " + why);
  };
  Shape out;
  int64_t infer = -1;
  bool has_zero = false;
  for (size_t i = 0; i < spec.size(); ++i) {
    const int64_t v = spec[i];
    if (v == -1) {
      if (infer >= 0) bad("more than one -1");
      infer = static_cast<int64_t>(i);
      out.push_back(Dim::unknown());
    } else if (v == 0 && !allowzero) {
      if (i >= in.size()) bad("0 at position " + std::to_string(i) + " has no input dim to copy");
      out.push_back(in[i]);
    } else if (v < 0) {
      bad("invalid dim " + std::to_string(v));
    } else {
      has_zero = has_zero || v == 0;
      out.push_back(Dim::known(v));
    }
  }
  if (infer >= 0 && has_zero) bad("-1 cannot be inferred next to a 0 when allowzero is set");
  Shape rest_in = in, rest_out;
  for (size_t i = 0; i < out.size(); ++i) {
    if (static_cast<int64_t>(i) == infer) continue;
    auto it = std::find_if(rest_in.begin(), rest_in.end(),
                           [&](const Dim& d) { return d.same_as(out[i]); });
    if (it != rest_in.end()) {
      rest_in.erase(it);
    } else {
      rest_out.push_back(out[i]);
    }
  }
  const auto [in_known, in_syms] = split_known(rest_in);
  const auto [out_known, out_syms] = split_known(rest_out);
  if (!in_syms.empty() || !out_syms.empty()) {  // -1 is known only as a single leftover symbol
    if (infer >= 0 && out_syms.empty() && in_syms.size() == 1 && in_known == out_known) {
      out[static_cast<size_t>(infer)] = in_syms[0];
    }
    return out;
  }
  if (infer < 0) {
    if (in_known != out_known) bad("the element counts differ");
    return out;
  }
  if (out_known == 0) bad("-1 is ambiguous when the other dims multiply to 0");
  if (in_known % out_known != 0) bad("the element count is not divisible");
  out[static_cast<size_t>(infer)] = Dim::known(in_known / out_known);
  return out;
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> reshape_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  auto spec = int_values(ctx, 1, "shape");
  if (!spec) return {{data.dtype, unknown_dims(vector_length(ctx, 1, "shape"))}};
  return {
      {data.dtype, reshape_dims(ctx, data.shape, *spec, ctx.node.attrs.get_int("allowzero", 0))}};
}

std::vector<TypeInfo> flatten_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  const int64_t axis = AxisAttrs(ctx.node).axis;
  if (axis < -rank || axis > rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range [" + std::to_string(-rank) + ", " +
             std::to_string(rank) + "]");
  }
  const size_t split = static_cast<size_t>(axis < 0 ? axis + rank : axis);
  const Shape& s = data.shape;
  return {{data.dtype, {dims_product(s, 0, split), dims_product(s, split, s.size())}}};
}

std::vector<TypeInfo> transpose_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  std::vector<int64_t> perm = TransposeAttrs(ctx.node).perm_for(static_cast<int64_t>(data.shape.size()));
  Shape out;
  for (int64_t p : perm) out.push_back(data.shape[static_cast<size_t>(p)]);
  return {{data.dtype, out}};
}

std::vector<TypeInfo> squeeze_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  Shape out;
  if (!ctx.has_input(1)) {  // every dim of size 1
    for (size_t i = 0; i < data.shape.size(); ++i) {
      const Dim& d = data.shape[i];
      if (!d.is_known()) {
        ctx.fail("without axes every dim must be known, but dim " + std::to_string(i) + " is " +
                 d.str() + " (shape " + shape_str(data.shape) + ")");
      }
      if (d.value != 1) out.push_back(d);
    }
    return {{data.dtype, out}};
  }
  auto axes = int_values(ctx, 1, "axes");
  if (!axes) return {{data.dtype, unknown_dims(rank - vector_length(ctx, 1, "axes"))}};
  std::vector<int64_t> drop = normalize_axes(ctx, *axes, rank);
  for (int64_t a : drop) {
    const Dim& d = data.shape[static_cast<size_t>(a)];
    if (d.is_known() && d.value != 1) {
      ctx.fail("cannot squeeze axis " + std::to_string(a) + " of size " + d.str() + " (shape " +
               shape_str(data.shape) + ")");
    }
  }
  for (int64_t i = 0; i < rank; ++i) {
    if (std::find(drop.begin(), drop.end(), i) == drop.end()) {
      out.push_back(data.shape[static_cast<size_t>(i)]);
    }
  }
  return {{data.dtype, out}};
}

std::vector<TypeInfo> unsqueeze_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  auto axes = int_values(ctx, 1, "axes");
  if (!axes) return {{data.dtype, unknown_dims(rank + vector_length(ctx, 1, "axes"))}};
  const int64_t out_rank = rank + static_cast<int64_t>(axes->size());
  std::vector<int64_t> ones = normalize_axes(ctx, *axes, out_rank);
  Shape out;
  size_t next = 0;
  for (int64_t i = 0; i < out_rank; ++i) {
    bool one = std::find(ones.begin(), ones.end(), i) != ones.end();
    out.push_back(one ? Dim::known(1) : data.shape[next++]);
  }
  return {{data.dtype, out}};
}

std::vector<TypeInfo> concat_shape(const ShapeContext& ctx) {
  if (ctx.num_inputs() == 0) ctx.fail("needs at least one input");
  const AxisAttrs attrs(ctx.node);
  const TypeInfo& first = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  if (rank == 0) ctx.fail("cannot concatenate scalars");
  const size_t axis = static_cast<size_t>(attrs.normalize_axis(attrs.axis, rank));
  Shape out = first.shape;
  Shape along{first.shape[axis]};
  for (size_t k = 1; k < ctx.num_inputs(); ++k) {
    const TypeInfo& in = ctx.input(k);
    const std::string where = "input " + std::to_string(k) + " " + shape_str(in.shape);
    if (in.dtype != first.dtype) {
      ctx.fail(where + " is " + dtype_name(in.dtype) + ", input 0 is " + dtype_name(first.dtype));
    }
    if (in.shape.size() != first.shape.size()) {
      ctx.fail(where + " has another rank than input 0 " + shape_str(first.shape));
    }
    for (size_t d = 0; d < out.size(); ++d) {
      if (d != axis) out[d] = merge_dims(ctx, out[d], in.shape[d], where);
    }
    along.push_back(in.shape[axis]);
  }
  // The sum along the axis: known, or the only non-zero input's symbolic dim.
  int64_t known = 0;
  std::vector<Dim> others;
  for (const Dim& d : along) {
    if (d.is_known()) {
      known += d.value;
    } else {
      others.push_back(d);
    }
  }
  out[axis] = others.empty()                       ? Dim::known(known)
              : (others.size() == 1 && known == 0) ? others[0]
                                                   : Dim::unknown();
  return {{first.dtype, out}};
}

}  // namespace shapes

namespace {

// Split's output sizes along the axis of size `dim`.
std::vector<Dim> split_sizes(const ShapeContext& ctx, const Dim& dim) {
  const size_t n = ctx.num_outputs();
  if (n == 0) ctx.fail("needs at least one output");
  if (ctx.has_input(1)) {
    auto split = int_values(ctx, 1, "split");
    if (!split) return std::vector<Dim>(n);
    if (split->size() != n) {
      ctx.fail("split has " + std::to_string(split->size()) + " entries for " + std::to_string(n) +
               " outputs");
    }
    int64_t sum = 0;
    std::vector<Dim> sizes;
    for (int64_t s : *split) {
      if (s < 0) ctx.fail("split entry " + std::to_string(s) + " is negative");
      sum += s;
      sizes.push_back(Dim::known(s));
    }
    if (dim.is_known() && sum != dim.value) {
      ctx.fail("split " + dims_str(*split) + " sums to " + std::to_string(sum) +
               ", but the axis has size " + std::to_string(dim.value));
    }
    return sizes;
  }
  if (n == 1) return {dim};
  if (!dim.is_known()) return std::vector<Dim>(n);
  const int64_t parts = static_cast<int64_t>(n);
  if (ctx.node.attrs.has("num_outputs")) {  // opset 18: the last chunk may be smaller
    if (ctx.node.attrs.get_int("num_outputs") != parts) ctx.fail("num_outputs != outputs");
    const int64_t chunk = (dim.value + parts - 1) / parts;
    std::vector<Dim> sizes;
    for (int64_t i = 0; i < parts; ++i) {
      sizes.push_back(Dim::known(std::clamp<int64_t>(dim.value - i * chunk, 0, chunk)));
    }
    return sizes;
  }
  if (dim.value % parts != 0) {
    ctx.fail("axis of size " + std::to_string(dim.value) + " cannot be split equally into " +
             std::to_string(parts) + " outputs");
  }
  return std::vector<Dim>(n, Dim::known(dim.value / parts));
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> split_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (rank == 0) ctx.fail("cannot split a scalar");
  const AxisAttrs attrs(ctx.node);
  const size_t axis = static_cast<size_t>(attrs.normalize_axis(attrs.axis, rank));
  std::vector<TypeInfo> outs;
  for (const Dim& size : split_sizes(ctx, data.shape[axis])) {
    outs.push_back(data);
    outs.back().shape[axis] = size;
  }
  return outs;
}

}  // namespace shapes

namespace {

// Whether a slice keeps a whole axis of any size: [0:end] with a huge end (exporters write
// INT64_MAX or INT32_MAX for "to the end"), or its full reversal [-1 or huge : huge negative : -1].
bool slice_is_whole(int64_t start, int64_t end, int64_t step) {
  constexpr int64_t kHuge = std::numeric_limits<int32_t>::max();
  if (step == 1) return start == 0 && end >= kHuge;
  return step == -1 && (start == -1 || start >= kHuge) && end <= -kHuge;
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> slice_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  auto starts = int_values(ctx, 1, "starts");
  auto ends = int_values(ctx, 2, "ends");
  std::optional<std::vector<int64_t>> axes, steps;
  if (ctx.has_input(3)) axes = int_values(ctx, 3, "axes");
  if (ctx.has_input(4)) steps = int_values(ctx, 4, "steps");
  Shape out = data.shape;
  const bool known = starts && ends && (axes || !ctx.has_input(3)) && (steps || !ctx.has_input(4));
  if (!known) {  // the sliced axes (when known) become unknown
    if (axes) {
      for (int64_t a : normalize_axes(ctx, *axes, rank)) out[static_cast<size_t>(a)] = Dim{};
    } else if (!ctx.has_input(3)) {
      int64_t n = std::min(vector_length(ctx, 1, "starts"), rank);
      for (int64_t a = 0; a < n; ++a) out[static_cast<size_t>(a)] = Dim{};
    } else {
      out = unknown_dims(rank);
    }
    return {{data.dtype, out}};
  }
  SliceArgs args = slice_args(OpAttrs(ctx.node), rank, std::move(*starts), std::move(*ends),
                              axes ? &*axes : nullptr, steps ? &*steps : nullptr);
  for (size_t i = 0; i < args.axes.size(); ++i) {
    Dim& d = out[static_cast<size_t>(args.axes[i])];
    if (d.is_known()) {
      d = Dim::known(slice_range(d.value, args.starts[i], args.ends[i], args.steps[i]).len);
    } else {
      if (!slice_is_whole(args.starts[i], args.ends[i], args.steps[i])) d = Dim::unknown();
    }
  }
  return {{data.dtype, out}};
}

std::vector<TypeInfo> expand_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  auto target = int_values(ctx, 1, "shape");
  if (target) {
    for (int64_t v : *target) {
      if (v < 0) ctx.fail("shape " + dims_str(*target) + " has a negative dim");
    }
    return {{data.dtype, broadcast_shapes(ctx, data.shape, shape_of(*target))}};
  }
  // Unknown target: only input dims known to be > 1 are certain to survive.
  const size_t rank = std::max<size_t>(data.shape.size(), vector_length(ctx, 1, "shape"));
  Shape out(rank);
  for (size_t i = 0; i < data.shape.size(); ++i) {
    const Dim& d = data.shape[i];
    if (d.is_known() && d.value != 1) out[rank - data.shape.size() + i] = d;
  }
  return {{data.dtype, out}};
}

// Tile(x, repeats): repeats is int64 [rank(x)], each >= 0; dim i is x's dim i times repeats[i].
std::vector<TypeInfo> tile_shape(const ShapeContext& ctx) {
  const TypeInfo& data = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(data.shape.size());
  if (ctx.input(1).dtype != DType::kI64) ctx.fail(std::string("repeats must be int64, got ") + dtype_name(ctx.input(1).dtype));
  if (vector_length(ctx, 1, "repeats") != rank || ctx.input(1).shape.empty()) {
    ctx.fail("repeats must have one entry per dim of " + shape_str(data.shape));
  }
  auto repeats = int_values(ctx, 1, "repeats");
  if (!repeats) return {{data.dtype, unknown_dims(rank)}};
  Shape out(data.shape);
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t r = (*repeats)[i];
    if (r < 0) ctx.fail("repeats " + dims_str(*repeats) + " has a negative entry");
    if (r == 1) continue;
    out[i] = out[i].is_known() ? Dim::known(base::checked_mul(out[i].value, r, "Tile's output dims"))
             : r == 0          ? Dim::known(0)
                               : Dim::unknown();
  }
  return {{data.dtype, out}};
}

std::vector<TypeInfo> shape_shape(const ShapeContext& ctx) {
  auto [start, end] = ShapeAttrs(ctx.node).range(static_cast<int64_t>(ctx.input(0).shape.size()));
  return {{DType::kI64, {Dim::known(end - start)}}};
}

std::vector<TypeInfo> size_shape(const ShapeContext& ctx) {
  ctx.input(0);  // fails when absent
  return {{DType::kI64, {}}};
}

std::vector<TypeInfo> constant_shape(const ShapeContext& ctx) {
  const Tensor& t = ConstantAttrs(ctx.node).value;
  return {{t.dtype(), shape_of(t.shape())}};
}

std::vector<TypeInfo> constant_of_shape_shape(const ShapeContext& ctx) {
  const DType dtype = ConstantOfShapeAttrs(ctx.node).fill.dtype();
  auto dims = int_values(ctx, 0, "shape");
  if (!dims) return {{dtype, unknown_dims(vector_length(ctx, 0, "shape"))}};
  for (int64_t v : *dims) {
    if (v < 0) ctx.fail("shape " + dims_str(*dims) + " has a negative dim");
  }
  return {{dtype, shape_of(*dims)}};
}

}  // namespace shapes

namespace {

// Range's length max(ceil((limit - start) / delta), 0), computed in T as ONNX does.
template <typename T>
int64_t range_length(const ShapeContext& ctx, const Tensor& s, const Tensor& l, const Tensor& d) {
  const T start = s.data<T>()[0], limit = l.data<T>()[0], delta = d.data<T>()[0];
  if (delta == T(0)) ctx.fail("delta must not be 0");
  if constexpr (std::is_floating_point_v<T>) {
    const T n = std::ceil((limit - start) / delta);
    if (!std::isfinite(n)) ctx.fail("start, limit and delta must be finite");
    return std::max<int64_t>(static_cast<int64_t>(n), 0);
  } else {
    const __int128 span = static_cast<__int128>(limit) - start;
    if ((span > 0) != (delta > 0) || span == 0) return 0;
    const __int128 step = delta;
    return static_cast<int64_t>((span + step - (delta > 0 ? 1 : -1)) / step);
  }
}

}  // namespace

namespace shapes {

std::vector<TypeInfo> range_shape(const ShapeContext& ctx) {
  const DType dtype = ctx.input(0).dtype;
  for (size_t i = 0; i < 3; ++i) {
    const TypeInfo& t = ctx.input(i);
    if (t.dtype != dtype) ctx.fail("start, limit and delta must have the same dtype");
    if (!shape_is_known(t.shape) || dims_numel(shape_values(t.shape)) != 1) {
      ctx.fail("input " + std::to_string(i) + " must be a scalar, got shape " + shape_str(t.shape));
    }
  }
  const Tensor *s = ctx.value(0), *l = ctx.value(1), *d = ctx.value(2);
  if (!s || !l || !d) return {{dtype, {Dim::unknown()}}};
  int64_t n = 0;
  switch (dtype) {
    case DType::kF32:
      n = range_length<float>(ctx, *s, *l, *d);
      break;
    case DType::kF64:
      n = range_length<double>(ctx, *s, *l, *d);
      break;
    case DType::kI32:
      n = range_length<int32_t>(ctx, *s, *l, *d);
      break;
    case DType::kI64:
      n = range_length<int64_t>(ctx, *s, *l, *d);
      break;
    default:
      ctx.fail(std::string("dtype ") + dtype_name(dtype) + " is not supported");
  }
  return {{dtype, {Dim::known(n)}}};
}

}  // namespace shapes

}  // namespace bertc::ir
