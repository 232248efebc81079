#include "passes/distance_bias.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "bertc/error.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"

namespace bertc::passes {
namespace {

// A second, short length: the bias of its tokens must be the top-left corner of the long one
// (it does not depend on the sequence length).
constexpr int64_t kShortSpan = 7;
// No value of the subgraph may be larger than this many elements (a [1, 64, 512, 512] bias):
// a hostile graph must not make the compile allocate without bound.
constexpr int64_t kMaxElements = int64_t{64} * kDistanceBiasSpan * kDistanceBiasSpan;

// The value v evaluated with the dims `batch` = 1 and `seq` = S, or nullopt when v reads a graph
// input's data (a Shape of a value needs only its type), a shape has another unknown dim, or a
// node fails.
std::optional<Tensor> evaluate_at(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                  const ir::Dim& seq, int64_t S) {
  auto concrete = [&](const ir::Shape& shape) -> std::optional<Dims> {
    Dims dims;
    for (const ir::Dim& d : shape) {
      if (d.is_known()) {
        dims.push_back(d.value);
      } else if (d.same_as(seq)) {
        dims.push_back(S);
      } else if (d.same_as(batch)) {
        dims.push_back(1);
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
    if (value.is_constant()) continue;
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
      } else if (node.op == ir::Op::Shape && !values[in]) {
        auto dims = concrete(g.value(in).type.shape);
        if (!dims) return std::nullopt;
        shape_only.push_back(Tensor::empty(g.value(in).type.dtype, *dims));
        t = &shape_only.back();
      } else if (g.value(in).is_constant()) {
        t = g.value(in).data.get();
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
  return std::move(values[v]);
}

bool is_bias_of(const Tensor& t, int64_t heads, int64_t S) {
  return t.dtype() == DType::kF32 && t.shape() == Dims{1, heads, S, S};
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

std::optional<Tensor> distance_bias_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, int64_t heads) {
  constexpr int64_t R = kDistanceBiasSpan;
  std::optional<Tensor> longest = evaluate_at(g, v, batch, seq, R);
  if (!longest || !is_bias_of(*longest, heads, R)) return std::nullopt;
  std::optional<Tensor> shortest = evaluate_at(g, v, batch, seq, kShortSpan);
  if (!shortest || !is_bias_of(*shortest, heads, kShortSpan)) return std::nullopt;
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

}  // namespace bertc::passes
