#include "ir/op_attrs.h"

#include <algorithm>
#include <numeric>

#include "bertc/error.h"
#include "ir/packed_weights.h"

namespace bertc::ir {
namespace {

// Reads one attribute with `get`, naming the node when it has the wrong type.
template <typename Get>
auto read(const OpAttrs& self, Get get) {
  try {
    return get();
  } catch (const Error& e) {
    self.fail(e.what());
  }
}

}  // namespace

OpAttrs::OpAttrs(const Node& node)
    : label("node '" + node.name + "' (" + std::string(op_name(node.op)) + ")") {
  fast_math = read(*this, [&] { return node.attrs.get_int("fast_math", 0) != 0; });
}

void OpAttrs::fail(const std::string& message) const { throw Error(label + ": " + message); }

int64_t OpAttrs::normalize_axis(int64_t axis, int64_t rank) const {
  if (axis < -rank || axis >= rank) {
    fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

AxisAttrs::AxisAttrs(const Node& node) : OpAttrs(node) {
  if (node.op == Op::Concat && !node.attrs.has("axis")) fail("missing attribute 'axis'");
  const int64_t fallback = node.op == Op::Flatten ? 1 : 0;
  axis = read(*this, [&] { return node.attrs.get_int("axis", fallback); });
}

void AxisAttrs::fail_index(int64_t index, int64_t dim, const std::string& data_shape) const {
  fail("index " + std::to_string(index) + " is out of range [" + std::to_string(-dim) + ", " +
       std::to_string(dim) + ") on axis " + std::to_string(axis) + " of data shape " + data_shape);
}

GemmAttrs::GemmAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    trans_a = node.attrs.get_int("transA", 0) != 0;
    trans_b = node.attrs.get_int("transB", 0) != 0;
    alpha = node.attrs.get_float("alpha", 1.0f);
    beta = node.attrs.get_float("beta", 1.0f);
    return 0;
  });
}

SoftmaxAttrs::SoftmaxAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    coerce_2d = node.attrs.get_int("bertc_coerce_2d", 0) == 1;
    axis = node.attrs.get_int("axis", coerce_2d ? 1 : -1);
    return 0;
  });
}

std::pair<int64_t, int64_t> SoftmaxAttrs::axes(int64_t rank) const {
  const int64_t first = normalize_axis(axis, rank);
  return {first, coerce_2d ? rank : first + 1};
}

QuantizeAttrs::QuantizeAttrs(const Node& node) : OpAttrs(node) {
  int64_t block_size = 0, dtype = 0;
  read(*this, [&] {
    axis = node.attrs.get_int("axis", 1);
    block_size = node.attrs.get_int("block_size", 0);
    dtype = node.attrs.get_int("output_dtype", 0);
    return 0;
  });
  if (block_size != 0) fail("blocked quantization (block_size " + std::to_string(block_size) + ") is not supported");
  // ONNX TensorProto data types: 2 uint8, 3 int8.
  if (dtype == 2) output_dtype = DType::kU8;
  if (dtype == 3) output_dtype = DType::kI8;
  if (dtype != 0 && !output_dtype) {
    fail("output_dtype " + std::to_string(dtype) + " is not supported (2 uint8 or 3 int8)");
  }
}

LayerNormalizationAttrs::LayerNormalizationAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    axis = node.attrs.get_int("axis", -1);
    epsilon = node.attrs.get_float("epsilon", 1e-5f);
    stash_type = node.attrs.get_int("stash_type", 1);
    return 0;
  });
  if (stash_type != 1)
    fail("stash_type " + std::to_string(stash_type) + " is not supported (only 1, float)");
}

ReduceAttrs::ReduceAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    axes = node.attrs.get_ints("axes", {});
    keepdims = node.attrs.get_int("keepdims", 1) != 0;
    noop_with_empty_axes = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
    return 0;
  });
}

std::vector<bool> ReduceAttrs::reduced(const Tensor* axes_input, int64_t rank) const {
  std::vector<int64_t> list = axes;
  if (axes_input) {
    if (axes_input->dtype() != DType::kI64 && axes_input->dtype() != DType::kI32) {
      fail(std::string("axes (input 1) must be int64, got ") + dtype_name(axes_input->dtype()));
    }
    if (axes_input->rank() > 1)
      fail("axes (input 1) must be 1-D, got shape " + dims_str(axes_input->shape()));
    list = axes_input->to_int64_vector();
  }
  std::vector<bool> mask(static_cast<size_t>(rank), list.empty() && !noop_with_empty_axes);
  for (int64_t axis : list) {
    const int64_t d = normalize_axis(axis, rank);
    if (mask[d]) fail("axis " + std::to_string(axis) + " is listed twice in axes");
    mask[d] = true;
  }
  return mask;
}

CumSumAttrs::CumSumAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    exclusive = node.attrs.get_int("exclusive", 0) != 0;
    reverse = node.attrs.get_int("reverse", 0) != 0;
    return 0;
  });
}

int64_t CumSumAttrs::axis_of(const Tensor& axis, int64_t rank) const {
  if ((axis.dtype() != DType::kI64 && axis.dtype() != DType::kI32) || axis.numel() != 1) {
    fail(std::string("axis (input 1) must be one int32/int64 value, got ") +
         dtype_name(axis.dtype()) + " " + dims_str(axis.shape()));
  }
  return normalize_axis(axis.to_int64_vector()[0], rank);
}

ShapeAttrs::ShapeAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    if (node.attrs.has("start")) start = node.attrs.get_int("start");
    if (node.attrs.has("end")) end = node.attrs.get_int("end");
    return 0;
  });
}

std::pair<int64_t, int64_t> ShapeAttrs::range(int64_t rank) const {
  auto clamp_dim = [rank](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
  const int64_t first = clamp_dim(start.value_or(0));
  const int64_t last = clamp_dim(end.value_or(rank));
  return {first, std::max(first, last)};
}

TransposeAttrs::TransposeAttrs(const Node& node) : OpAttrs(node) {
  if (node.attrs.has("perm")) perm = read(*this, [&] { return node.attrs.get_ints("perm"); });
}

std::vector<int64_t> TransposeAttrs::perm_for(int64_t rank) const {
  std::vector<int64_t> out(static_cast<size_t>(rank));
  if (!perm) {
    for (int64_t i = 0; i < rank; ++i) out[static_cast<size_t>(i)] = rank - 1 - i;
    return out;
  }
  out = *perm;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  bool ok = static_cast<int64_t>(out.size()) == rank;
  for (int64_t& p : out) {
    if (!ok || p < -rank || p >= rank) {
      ok = false;
      break;
    }
    if (p < 0) p += rank;
    ok = !seen[static_cast<size_t>(p)];
    seen[static_cast<size_t>(p)] = true;
  }
  if (!ok) {
    fail("perm " + dims_str(*perm) + " is not a permutation of the input's " +
         std::to_string(rank) + " dims");
  }
  return out;
}

ConstantAttrs::ConstantAttrs(const Node& node) : OpAttrs(node) {
  const Attrs& a = node.attrs;
  if (!a.has("value") && !a.has("value_float") && !a.has("value_int") &&
      !a.has("value_floats") && !a.has("value_ints")) {
    fail("needs a value, value_float(s) or value_int(s) attribute "
         "(string and sparse constants are not supported)");
  }
  value = read(*this, [&]() -> Tensor {
    if (a.has("value")) return a.get_tensor("value");
    if (a.has("value_float")) return Tensor::from_vector<float>({a.get_float("value_float")}, {});
    if (a.has("value_int")) return Tensor::from_vector<int64_t>({a.get_int("value_int")}, {});
    if (a.has("value_floats")) {
      const auto& v = a.get_floats("value_floats");
      return Tensor::from_vector<float>(v, {static_cast<int64_t>(v.size())});
    }
    const auto& v = a.get_ints("value_ints");
    return Tensor::from_vector<int64_t>(v, {static_cast<int64_t>(v.size())});
  });
}

ConstantOfShapeAttrs::ConstantOfShapeAttrs(const Node& node) : OpAttrs(node) {
  if (!node.attrs.has("value")) {
    fill = Tensor::from_vector<float>({0.0f}, {1});
    return;
  }
  fill = read(*this, [&] { return node.attrs.get_tensor("value"); });
  if (fill.numel() != 1) {
    fail("attribute value must hold 1 element, got shape " + dims_str(fill.shape()));
  }
}

SliceArgs slice_args(const OpAttrs& node, int64_t rank, std::vector<int64_t> starts,
                     std::vector<int64_t> ends, const std::vector<int64_t>* axes,
                     const std::vector<int64_t>* steps) {
  const size_t n = starts.size();
  if (ends.size() != n) {
    node.fail("starts has " + std::to_string(n) + " entries but ends has " +
              std::to_string(ends.size()));
  }
  SliceArgs args{{}, std::move(starts), std::move(ends), {}};
  if (axes) {
    if (axes->size() != n) node.fail("axes must have as many entries as starts");
    for (int64_t a : *axes) args.axes.push_back(node.normalize_axis(a, rank));
  } else {
    if (static_cast<int64_t>(n) > rank) node.fail("more starts than the data has dims");
    args.axes.resize(n);
    std::iota(args.axes.begin(), args.axes.end(), 0);
  }
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : args.axes) {
    if (seen[static_cast<size_t>(a)]) node.fail("axis " + std::to_string(a) + " repeats");
    seen[static_cast<size_t>(a)] = true;
  }
  if (steps) {
    if (steps->size() != n) node.fail("steps must have as many entries as starts");
    for (int64_t s : *steps) {
      if (s == 0) node.fail("a step of 0 is invalid");
    }
    args.steps = *steps;
  } else {
    args.steps.assign(n, 1);
  }
  return args;
}

SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (dim == 0) return {0, 0};
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  // |step| and the span as unsigned: step may be INT64_MIN, the span up to dim.
  const uint64_t ustep = step > 0 ? static_cast<uint64_t>(step) : 0 - static_cast<uint64_t>(step);
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (end <= start) return {start, 0};
    return {start, static_cast<int64_t>(1 + static_cast<uint64_t>(end - start - 1) / ustep)};
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  if (start <= end) return {start, 0};
  return {start, static_cast<int64_t>(1 + static_cast<uint64_t>(start - end - 1) / ustep)};
}

void check_dropout_identity(const OpAttrs& node, const Tensor* ratio, const Tensor* training) {
  if (!training || training->numel() != 1 || training->to_int64_vector()[0] == 0) return;
  double r = 0.5;
  if (ratio && ratio->numel() == 1 && ratio->dtype() == DType::kF32) r = ratio->data<float>()[0];
  if (ratio && ratio->numel() == 1 && ratio->dtype() == DType::kF64) r = ratio->data<double>()[0];
  if (r != 0) {
    node.fail("training_mode = true with ratio " + std::to_string(r) +
              " is not supported (inference only; random dropout)");
  }
}

const char* dense_activation_name(DenseActivation activation) {
  switch (activation) {
    case DenseActivation::kNone: return "none";
    case DenseActivation::kGeluErf: return "gelu";
    case DenseActivation::kGeluTanh: return "gelu_tanh";
    case DenseActivation::kRelu: return "relu";
    case DenseActivation::kTanh: return "tanh";
  }
  return "?";
}

DenseAttrs::DenseAttrs(const Node& node) : OpAttrs(node) {
  int64_t act = 0;
  read(*this, [&] {
    act = node.attrs.get_int("activation", 0);
    packed = node.attrs.get_int("packed", 0) != 0;
    k = node.attrs.get_int("k", -1);
    n = node.attrs.get_int("n", -1);
    gemm = node.attrs.get_string("gemm", "bertc");
    return 0;
  });
  if (act < 0 || act > static_cast<int64_t>(DenseActivation::kTanh)) {
    fail("activation " + std::to_string(act) + " is not 0..4");
  }
  activation = static_cast<DenseActivation>(act);
  if (packed && (k < 0 || n < 0)) fail("a packed W needs attributes k and n");
}

DenseAttrs::Dims DenseAttrs::dims(const Shape& w) const {
  if (!packed) {
    if (w.size() != 2 || !shape_is_known(w)) fail("W must be a known [K, N], got " + shape_str(w));
    return {w[0].value, w[1].value};
  }
  const int64_t want = dense_packed_size(k, n);
  if (w.size() != 1 || !w[0].is_known() || w[0].value != want) {
    fail("packed W for K = " + std::to_string(k) + ", N = " + std::to_string(n) + " must be [" +
         std::to_string(want) + "], got " + shape_str(w));
  }
  return {k, n};
}

namespace {

// K and N from a packed W's attrs k, n, checking W is [size(k, n)]; `what` names W.
template <class Size>
DenseAttrs::Dims packed_dims(const DenseAttrs& attrs, const Shape& w, const char* what, Size size) {
  if (attrs.k < 0 || attrs.n < 0) attrs.fail(std::string(what) + " needs attributes k and n");
  const int64_t want = size(attrs.k, attrs.n);
  if (w.size() != 1 || !w[0].is_known() || w[0].value != want) {
    attrs.fail(std::string(what) + " for K = " + std::to_string(attrs.k) + ", N = " + std::to_string(attrs.n) +
               " must be [" + std::to_string(want) + "], got " + shape_str(w));
  }
  return {attrs.k, attrs.n};
}

}  // namespace

DenseAttrs::Dims DenseAttrs::int8_dims(const Shape& w) const {
  return packed_dims(*this, w, "int8 Wq", dense_int8_packed_size);
}

DenseAttrs::Dims DenseAttrs::bf16_dims(const Shape& w) const {
  return packed_dims(*this, w, "bf16 Wb", dense_bf16_packed_size);
}

EpsilonAttrs::EpsilonAttrs(const Node& node) : OpAttrs(node) {
  const float fallback = node.op == Op::EmbedLayerNorm ? 1e-12f : 1e-5f;
  epsilon = read(*this, [&] { return node.attrs.get_float("epsilon", fallback); });
}

GatedActivationAttrs::GatedActivationAttrs(const Node& node) : OpAttrs(node) {
  const int64_t a = read(*this, [&] { return node.attrs.get_int("activation", 1); });
  if (a < 1 || a > 4) fail("activation must be 1..4 (GELU erf, GELU tanh, ReLU, tanh), got " + std::to_string(a));
  activation = static_cast<DenseActivation>(a);
}

AttentionAttrs::AttentionAttrs(const Node& node) : OpAttrs(node) {
  read(*this, [&] {
    num_heads = node.attrs.get_int("num_heads", 0);
    scale = node.attrs.get_float("scale");
    window = node.attrs.get_int("window", 0);
    return 0;
  });
  if (num_heads <= 0) fail("num_heads must be > 0, got " + std::to_string(num_heads));
  if (window < 0) fail("window must be >= 0, got " + std::to_string(window));
}

}  // namespace bertc::ir
