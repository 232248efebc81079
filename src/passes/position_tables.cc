#include "passes/position_tables.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <vector>

#include "bertc/error.h"
#include "ir/shape_infer.h"
#include "ir/dataflow.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::passes {
namespace {

// A second, short length: the bias of its tokens must be the top-left corner of the long one
// (it does not depend on the sequence length).
constexpr int64_t kShortSpan = 7;
// No value of the subgraph may be larger than this many elements (a [1, 64, 512, 512] bias):
// a hostile graph must not make the compile allocate without bound.
constexpr int64_t kMaxElements = int64_t{64} * kDistanceBiasSpan * kDistanceBiasSpan;

// The value v evaluated with the dims `batch` = B and `seq` = S and the graph inputs `inputs`
// bound, or nullopt when v reads another graph input's data (a Shape of a value needs only its
// type), a shape has another unknown dim, a value would be too large, or a node fails.
std::optional<Tensor> evaluate_with(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch, int64_t B,
                                    const ir::Dim& seq, int64_t S,
                                    const std::map<ir::ValueId, Tensor>& inputs = {}) {
  auto concrete = [&](const ir::Shape& shape) -> std::optional<Dims> {
    Dims dims;
    for (const ir::Dim& d : shape) {
      if (d.is_known()) {
        dims.push_back(d.value);
      } else if (d.same_as(seq)) {
        dims.push_back(S);
      } else if (d.same_as(batch)) {
        dims.push_back(B);
      } else {
        return std::nullopt;
      }
    }
    return dims;
  };
  // The nodes v needs. A Shape node whose input's type has bindable dims needs only that type;
  // otherwise (a shape of an intermediate with unknown dims) its input is evaluated too.
  std::vector<bool> needed(g.nodes.size(), false), seen(g.values.size(), false);
  std::vector<ir::ValueId> stack{v};
  while (!stack.empty()) {
    const ir::ValueId x = stack.back();
    stack.pop_back();
    if (x == ir::kNoValue || seen[x]) continue;
    seen[x] = true;
    const ir::Value& value = g.value(x);
    if (value.is_constant() || inputs.count(x)) continue;
    if (value.producer < 0) return std::nullopt;
    needed[value.producer] = true;
    const ir::Node& node = g.nodes[value.producer];
    if (node.op == ir::Op::Shape && concrete(g.value(node.inputs[0]).type.shape)) continue;
    stack.insert(stack.end(), node.inputs.begin(), node.inputs.end());
  }
  std::vector<std::optional<Tensor>> values(g.values.size());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!needed[n]) continue;
    const ir::Node& node = g.nodes[n];
    std::vector<Tensor> shape_only;  // a Shape node's input: a tensor of the bound shape
    shape_only.reserve(node.inputs.size());
    std::vector<ir::TypeInfo> types(node.inputs.size());
    std::vector<const ir::TypeInfo*> type_ptrs;
    std::vector<const Tensor*> src;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ir::ValueId in = node.inputs[i];
      const Tensor* t = nullptr;
      if (in == ir::kNoValue) {
        // omitted optional input
      } else if (node.op == ir::Op::Shape && !values[in] && !inputs.count(in)) {
        auto dims = concrete(g.value(in).type.shape);
        if (!dims) return std::nullopt;
        shape_only.push_back(Tensor::empty(g.value(in).type.dtype, *dims));
        t = &shape_only.back();
      } else if (g.value(in).is_constant()) {
        t = g.value(in).data.get();
      } else if (const auto bound = inputs.find(in); bound != inputs.end()) {
        t = &bound->second;
      } else if (values[in]) {
        t = &*values[in];
      } else {
        return std::nullopt;  // not in topological order
      }
      if (t) {
        types[i].dtype = t->dtype();
        for (int64_t d : t->shape()) types[i].shape.push_back(ir::Dim::known(d));
      }
      type_ptrs.push_back(t ? &types[i] : nullptr);
      src.push_back(t);
    }
    try {
      std::vector<ir::TypeInfo> out = ir::shape_fn(node.op)(ir::ShapeContext{node, type_ptrs, src});
      for (const ir::TypeInfo& t : out) {
        int64_t n = 1;
        for (const ir::Dim& d : t.shape) {
          if (!d.is_known() || d.value > kMaxElements / std::max<int64_t>(n, 1)) return std::nullopt;
          n *= d.value;
        }
      }
      std::vector<Tensor> results = kernels::ref::evaluate(node, src, out);
      for (size_t i = 0; i < node.outputs.size(); ++i) values[node.outputs[i]] = std::move(results[i]);
    } catch (const Error&) {
      return std::nullopt;
    }
  }
  if (const auto bound = inputs.find(v); bound != inputs.end()) return bound->second;
  return std::move(values[v]);
}

std::optional<Tensor> evaluate_at(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                  const ir::Dim& seq, int64_t S) {
  return evaluate_with(g, v, batch, 1, seq, S);
}

// [1, heads, S, S] or [1, 1, S, S] (one bias for every head): its number of heads, else 0.
int64_t bias_heads(const Tensor& t, int64_t heads, int64_t S) {
  if (t.dtype() != DType::kF32 || t.rank() != 4 || t.dim(0) != 1 || t.dim(2) != S || t.dim(3) != S) return 0;
  return t.dim(1) == heads || t.dim(1) == 1 ? t.dim(1) : 0;
}

// Whether bias [1, heads, S, S] equals table[h, j - i + R - 1] everywhere (bit for bit).
bool matches_table(const Tensor& bias, const Tensor& table, int64_t heads, int64_t S, int64_t R) {
  const float* b = bias.data<float>();
  const float* t = table.data<float>();
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < S; ++i) {
      const float* row = b + (h * S + i) * S;
      const float* want = t + h * (2 * R - 1) + R - 1 - i;  // at j = 0
      if (std::memcmp(row, want, static_cast<size_t>(S) * sizeof(float)) != 0) return false;
    }
  }
  return true;
}

}  // namespace

std::optional<AdditiveMask> additive_mask(const ir::Graph& g, ir::ValueId m, const ir::Dim& batch,
                                          const ir::Dim& seq) {
  // The one graph input m reads: int or bool [batch, seq].
  std::vector<bool> from(g.values.size(), false);
  ir::ValueId mask = ir::kNoValue;
  for (ir::ValueId in : g.inputs) {
    std::vector<bool> one(g.values.size(), false);
    one[in] = true;
    if (!ir::computed_from(g, std::move(one))[m]) continue;
    const ir::TypeInfo& t = g.value(in).type;
    if (mask != ir::kNoValue || t.shape.size() != 2 || !t.shape[0].same_as(batch) || !t.shape[1].same_as(seq) ||
        (t.dtype != DType::kI64 && t.dtype != DType::kI32 && t.dtype != DType::kBool)) {
      return std::nullopt;
    }
    mask = in;
  }
  if (mask == ir::kNoValue) return std::nullopt;
  const DType dtype = g.value(mask).type.dtype;
  auto probe = [&](int64_t B, int64_t S, const std::vector<int64_t>& lengths) {
    Tensor t = Tensor::empty(dtype, {B, S});
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t j = 0; j < S; ++j) {
        const bool on = j < lengths[static_cast<size_t>(b)];
        if (dtype == DType::kBool) t.data<bool>()[b * S + j] = on;
        if (dtype == DType::kI32) t.data<int32_t>()[b * S + j] = on;
        if (dtype == DType::kI64) t.data<int64_t>()[b * S + j] = on;
      }
    }
    return t;
  };
  auto far = [](float x) { return x <= -1e30f; };
  // Every token real, the longest span: a window (or none) by distance.
  constexpr int64_t R = kDistanceBiasSpan;
  // A bool mask (true: masked) is read as the additive mask it stands for.
  auto additive = [](std::optional<Tensor> t) -> std::optional<Tensor> {
    if (!t || t->dtype() != DType::kBool) return t;
    Tensor f = Tensor::empty(DType::kF32, t->shape());
    for (int64_t i = 0; i < t->numel(); ++i) {
      f.data<float>()[i] = t->data<bool>()[i] ? std::numeric_limits<float>::lowest() : 0.0f;
    }
    return f;
  };
  std::optional<Tensor> full = additive(evaluate_with(g, m, batch, 1, seq, R, {{mask, probe(1, R, {R})}}));
  if (!full || full->dtype() != DType::kF32 || full->shape() != Dims{1, 1, R, R}) return std::nullopt;
  Tensor row = Tensor::empty(DType::kF32, {1, 2 * R - 1});
  for (int64_t d = -(R - 1); d < R; ++d) {
    const int64_t i = d < 0 ? -d : 0;
    row.data<float>()[d + R - 1] = full->data<float>()[i * R + i + d];
  }
  if (!matches_table(*full, row, 1, R, R)) return std::nullopt;
  AdditiveMask out{mask, 0};
  if (std::all_of(row.data<float>(), row.data<float>() + row.numel(), [](float x) { return x == 0.0f; })) {
    out.window = 0;
  } else if (const std::optional<int64_t> w = window_of(row); w && *w > 0) {
    out.window = *w;
  } else {
    return std::nullopt;
  }
  // Padding: two right-padded rows; every score far exactly where the key is padding or
  // outside the window, 0 elsewhere.
  constexpr int64_t S = kShortSpan;
  const std::vector<int64_t> lengths = {5, 2};
  std::optional<Tensor> padded = additive(evaluate_with(g, m, batch, 2, seq, S, {{mask, probe(2, S, lengths)}}));
  if (!padded || padded->dtype() != DType::kF32 || padded->shape() != Dims{2, 1, S, S}) return std::nullopt;
  for (int64_t b = 0; b < 2; ++b) {
    for (int64_t i = 0; i < lengths[static_cast<size_t>(b)]; ++i) {
      for (int64_t j = 0; j < S; ++j) {
        const bool masked = j >= lengths[static_cast<size_t>(b)] || (out.window > 0 && std::abs(i - j) > out.window);
        const float x = padded->data<float>()[(b * S + i) * S + j];
        if (masked ? !far(x) : x != 0.0f) return std::nullopt;
      }
    }
  }
  return out;
}

std::optional<int64_t> window_of(const Tensor& table) {
  const int64_t span = table.dim(1), R = (span + 1) / 2;
  const float* t = table.data<float>();
  for (int64_t h = 1; h < table.dim(0); ++h) {
    if (std::memcmp(t, t + h * span, static_cast<size_t>(span) * sizeof(float)) != 0) return std::nullopt;
  }
  int64_t w = 0;
  while (w + 1 < R && t[R - 1 + w + 1] == 0.0f) ++w;
  if (w + 1 >= R) return std::nullopt;  // no cut within the span: not a window it can tell
  for (int64_t d = -(R - 1); d < R; ++d) {
    const float v = t[R - 1 + d];
    const bool inside = d >= -w && d <= w;
    if (inside ? v != 0.0f : !(v <= -1e30f)) return std::nullopt;
  }
  return w;
}

std::optional<Tensor> rotary_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                   const ir::Dim& seq) {
  auto rows = [](const std::optional<Tensor>& t, int64_t S) -> int64_t {
    if (!t || t->dtype() != DType::kF32 || t->rank() < 2 || t->dim(t->rank() - 2) != S) return 0;
    for (int i = 0; i + 2 < t->rank(); ++i) {
      if (t->dim(i) != 1) return 0;
    }
    return t->dim(t->rank() - 1);
  };
  std::optional<Tensor> longest = evaluate_at(g, v, batch, seq, kRotarySpan);
  const int64_t D = rows(longest, kRotarySpan);
  if (D == 0) return std::nullopt;
  std::optional<Tensor> shortest = evaluate_at(g, v, batch, seq, kShortSpan);
  if (rows(shortest, kShortSpan) != D ||
      std::memcmp(shortest->raw(), longest->raw(), shortest->nbytes()) != 0) {
    return std::nullopt;
  }
  Tensor table = Tensor::empty(DType::kF32, {kRotarySpan, D});
  std::memcpy(table.raw(), longest->raw(), table.nbytes());
  return table;
}

std::optional<Tensor> distance_bias_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, int64_t heads) {
  constexpr int64_t R = kDistanceBiasSpan;
  std::optional<Tensor> longest = evaluate_at(g, v, batch, seq, R);
  if (!longest) return std::nullopt;
  heads = bias_heads(*longest, heads, R);
  if (heads == 0) return std::nullopt;
  std::optional<Tensor> shortest = evaluate_at(g, v, batch, seq, kShortSpan);
  if (!shortest || bias_heads(*shortest, heads, kShortSpan) != heads) return std::nullopt;
  // Distance d = j - i from the first row (d >= 0) or the first column (d < 0).
  Tensor table = Tensor::empty(DType::kF32, {heads, 2 * R - 1});
  const float* b = longest->data<float>();
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t d = -(R - 1); d < R; ++d) {
      const int64_t i = d < 0 ? -d : 0;
      table.data<float>()[h * (2 * R - 1) + d + R - 1] = b[(h * R + i) * R + i + d];
    }
  }
  if (!matches_table(*longest, table, heads, R, R) ||
      !matches_table(*shortest, table, heads, kShortSpan, R)) {
    return std::nullopt;
  }
  return table;
}

std::optional<std::vector<int64_t>> shape_value_at(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                                   const ir::Dim& seq, int64_t B, int64_t S,
                                                   const std::vector<std::pair<ir::ValueId, Dims>>& shapes) {
  std::map<ir::ValueId, Tensor> bound;
  for (const auto& [value, dims] : shapes) bound.emplace(value, Tensor::empty(DType::kF32, dims));
  const std::optional<Tensor> t = g.value(v).is_constant() ? std::optional<Tensor>(*g.value(v).data)
                                                            : evaluate_with(g, v, batch, B, seq, S, bound);
  if (!t || t->rank() != 1 || (t->dtype() != DType::kI64 && t->dtype() != DType::kI32)) return std::nullopt;
  return t->to_int64_vector();
}

std::optional<double> scalar_from_row_shapes(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                             const ir::Dim& seq, const std::vector<ir::ValueId>& rows,
                                             int64_t heads, int64_t dim) {
  for (const ir::Dim& d : g.value(v).type.shape) {
    if (!d.is_known() || d.value != 1) return std::nullopt;
  }
  std::optional<double> value;
  for (const auto& [B, S] : {std::pair<int64_t, int64_t>{1, kShortSpan}, {2, kShortSpan + 2}}) {  // as position_projection

    std::map<ir::ValueId, Tensor> bound;
    for (ir::ValueId r : rows) bound.emplace(r, Tensor::empty(DType::kF32, {B * heads, S, dim}));
    const std::optional<Tensor> t = evaluate_with(g, v, batch, B, seq, S, bound);
    if (!t || t->numel() != 1 || (t->dtype() != DType::kF32 && t->dtype() != DType::kF64)) return std::nullopt;
    const double x = t->dtype() == DType::kF32 ? t->data<float>()[0] : t->data<double>()[0];
    if (value && *value != x) return std::nullopt;
    value = x;
  }
  return value;
}

std::optional<Tensor> position_projection(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, const std::vector<ir::ValueId>& rows,
                                          int64_t heads, int64_t dim) {
  auto at = [&](int64_t B, int64_t S) {
    std::map<ir::ValueId, Tensor> bound;
    for (ir::ValueId r : rows) bound.emplace(r, Tensor::empty(DType::kF32, {B * heads, S, dim}));
    return evaluate_with(g, v, batch, B, seq, S, bound);
  };
  const std::optional<Tensor> one = at(1, kShortSpan);
  const std::optional<Tensor> two = at(2, kShortSpan + 2);
  if (!one || !two || one->dtype() != DType::kF32 || one->rank() != 3 || one->dim(0) != heads ||
      two->shape() != Dims{2 * heads, one->dim(1), one->dim(2)}) {
    return std::nullopt;
  }
  for (int64_t b = 0; b < 2; ++b) {
    if (std::memcmp(one->raw(), two->data<float>() + b * one->numel(), one->nbytes()) != 0) return std::nullopt;
  }
  const int64_t D = one->dim(1), P = one->dim(2);
  Tensor out = Tensor::empty(DType::kF32, {heads, P, D});
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t d = 0; d < D; ++d) {
      for (int64_t r = 0; r < P; ++r) out.data<float>()[(h * P + r) * D + d] = one->data<float>()[(h * D + d) * P + r];
    }
  }
  return out;
}

std::optional<Tensor> position_index_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                           const ir::Dim& seq, bool transposed) {
  constexpr int64_t R = kDistanceBiasSpan;
  Tensor table = Tensor::empty(DType::kI64, {2 * R - 1});
  for (const int64_t S : {R, kShortSpan}) {
    const std::optional<Tensor> t = evaluate_with(g, v, batch, 1, seq, S);
    if (!t || t->dtype() != DType::kI64 || t->rank() < 2 || t->dim(t->rank() - 2) != S || t->dim(t->rank() - 1) != S) {
      return std::nullopt;
    }
    const int64_t* x = t->data<int64_t>();
    for (int64_t n = 0; n < t->numel() / (S * S); ++n) {
      for (int64_t i = 0; i < S; ++i) {
        for (int64_t j = 0; j < S; ++j) {
          const int64_t row = transposed ? x[(n * S + j) * S + i] : x[(n * S + i) * S + j];
          int64_t& want = table.data<int64_t>()[j - i + R - 1];
          if (S == R && n == 0 && (i == 0 || j == 0)) want = row;  // the first row and column
          if (row != want) return std::nullopt;
        }
      }
    }
  }
  return table;
}

}  // namespace bertc::passes
