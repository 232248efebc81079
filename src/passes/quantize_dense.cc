// quantize_dense (--precision int8, or weights that came int8: Graph::int8_weights): every
// bertc.Dense with a constant float32 W [K, N] (or, for `all` false, those with such weights) becomes
// bertc.DenseInt8(X, Wq, w_scale, bias?, residual?) with the same name, activation and
// residual: W quantized per column and packed (kernels/x86/qgemm.h qgemm_pack_b, the numbers of
// ir/int8_quantization.h; ISA-independent). Nodes named in keep_fp32 stay bertc.Dense; a name
// there that is no Dense node fails (a typo must not silently keep a model in int8). A W
// shared by several nodes is quantized once (once per X when smoothed).
//
// Outlier channels (`smooth`): trained BERTs have a few hidden channels whose LayerNorm gain
// and bias, and so activations, are 10-100x the rest; one such channel sets a token row's int8
// range and crushes every other value of the row into a few levels. Where X is a LayerNorm's
// output (bertc.LayerNorm or EmbedLayerNorm with constant gain γ and bias β), its channel k's
// magnitude is bounded, data-free, by a_k = |β_k| + 4|γ_k| (normalized values rarely pass 4);
// `ranges` (measured on calibration texts, by layer name) replaces that bound where given, for
// any Dense layer.
// When max a / median a >= 8 (outliers), SmoothQuant's migration with α = 1/2 is applied:
// s_k = sqrt(a_k / max_n |W(k, n)|), X's channels multiplied by c_k = 1 / s_k in the kernel's
// quantization step (input x_scale) and W's rows by s_k before its quantization: the product
// is unchanged, and the activations' and weights' ranges meet halfway. The node gets attr
// smoothed = 1.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "bertc/error.h"
#include "ir/int8_quantization.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/x86/qgemm.h"
#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {
namespace {

constexpr float kNormalizedMax = 4.0f;   // |(x - mean) / std| bound assumed per channel
constexpr float kOutlierRatio = 8.0f;    // max / median channel bound that counts as outliers

// (The data-free bound overstates channels that the outliers' share of the variance shrinks; the
// measured ranges do not.)
// The data-free per-channel bound of X when a LayerNorm with constant gain and bias makes it.
std::optional<std::vector<float>> layer_norm_bound(const ir::Graph& g, ir::ValueId x) {
  const ir::Value& v = g.value(x);
  if (v.producer < 0) return std::nullopt;
  const ir::Node& p = g.nodes[v.producer];
  size_t gamma = 0, beta = 0;
  if (p.op == ir::Op::LayerNorm) {
    gamma = 1, beta = 2;
  } else if (p.op == ir::Op::EmbedLayerNorm) {
    gamma = 6, beta = 7;
  } else {
    return std::nullopt;
  }
  if (!p.has_input(gamma) || !p.has_input(beta)) return std::nullopt;
  const ir::Value& gv = g.value(p.inputs[gamma]);
  const ir::Value& bv = g.value(p.inputs[beta]);
  if (!gv.is_constant() || !bv.is_constant() || gv.data->dtype() != DType::kF32 ||
      bv.data->dtype() != DType::kF32 || gv.data->numel() != bv.data->numel()) {
    return std::nullopt;
  }
  std::vector<float> bound(static_cast<size_t>(gv.data->numel()));
  for (size_t k = 0; k < bound.size(); ++k) {
    bound[k] = std::fabs(bv.data->data<float>()[k]) + kNormalizedMax * std::fabs(gv.data->data<float>()[k]);
  }
  return bound;
}

// c (x_scale) for W [K, N] behind an X with channel bounds `bound`, or nothing when X has no
// outlier channels.
std::optional<Tensor> smoothing(const std::vector<float>& bound, const Tensor& w) {
  const int64_t K = w.dim(0), N = w.dim(1);
  if (static_cast<int64_t>(bound.size()) != K || K < 2) return std::nullopt;
  std::vector<float> sorted = bound;
  std::nth_element(sorted.begin(), sorted.begin() + K / 2, sorted.end());
  const float median = sorted[K / 2];
  const float top = *std::max_element(bound.begin(), bound.end());
  if (!(median > 0.0f) || top < kOutlierRatio * median) return std::nullopt;
  Tensor c = Tensor::empty(DType::kF32, {K});
  for (int64_t k = 0; k < K; ++k) {
    float wmax = 0.0f;
    for (int64_t n = 0; n < N; ++n) wmax = std::max(wmax, std::fabs(w.data<float>()[k * N + n]));
    const float s = wmax > 0.0f && bound[k] > 0.0f ? std::sqrt(bound[k] / wmax) : 1.0f;
    c.data<float>()[k] = std::isfinite(s) && s > 0.0f ? 1.0f / s : 1.0f;
  }
  return c;
}

}  // namespace

void quantize_dense(ir::Graph& g, bool all, const std::vector<std::string>& keep_fp32, bool smooth,
                    const std::map<std::string, std::vector<float>>& ranges) {
  const std::set<std::string> fp32 = dense_layer_names(g, keep_fp32);
  struct Quantized {
    ir::ValueId wq, scale, x_scale;
  };
  // (W, X when smoothed for it) -> its int8 form
  std::map<std::pair<ir::ValueId, ir::ValueId>, Quantized> quantized_of;
  for (ir::Node& node : g.nodes) {
    if (node.op != ir::Op::Dense || fp32.count(node.name)) continue;
    const ir::DenseAttrs attrs(node);
    const ir::Value w = g.value(node.inputs[1]);  // a copy: adding constants may move values
    if (attrs.packed || attrs.gemm != "bertc" || !(all || g.int8_weights.count(w.name))) continue;
    if (!w.is_constant() || w.data->dtype() != DType::kF32 || w.data->rank() != 2) continue;
    const int64_t K = w.data->dim(0), N = w.data->dim(1);
    if (K == 0 || N == 0 || K > ir::kInt8MaxK) continue;
    std::optional<Tensor> c;
    if (smooth) {
      const auto measured = ranges.find(node.name);
      const std::optional<std::vector<float>> bound =
          measured != ranges.end() ? measured->second : layer_norm_bound(g, node.inputs[0]);
      if (bound) c = smoothing(*bound, *w.data);
    }
    const auto key = std::make_pair(node.inputs[1], c ? node.inputs[0] : ir::kNoValue);
    auto it = quantized_of.find(key);
    if (it == quantized_of.end()) {
      Tensor wq = Tensor::empty(DType::kI8, {ir::dense_int8_packed_size(K, N)});
      Tensor scale = Tensor::empty(DType::kF32, {N});
      kernels::x86::qgemm_pack_b(w.data->data<float>(), N, K, N, wq.data<int8_t>(), scale.data<float>(),
                                 c ? c->data<float>() : nullptr);
      const std::string base = w.name;  // copied: add_constant may move the graph's values
      Quantized q{g.add_constant(g.unique_name(base + "_int8"), std::move(wq)),
                  g.add_constant(g.unique_name(base + "_int8_scale"), std::move(scale)), ir::kNoValue};
      if (c) q.x_scale = g.add_constant(g.unique_name(base + "_int8_smooth"), std::move(*c));
      it = quantized_of.emplace(key, q).first;
    }
    const Quantized& q = it->second;
    std::vector<ir::ValueId> inputs{node.inputs[0], q.wq, q.scale};
    for (size_t i = 2; i < 4; ++i) inputs.push_back(node.has_input(i) ? node.inputs[i] : ir::kNoValue);
    if (q.x_scale != ir::kNoValue) inputs.push_back(q.x_scale);
    while (inputs.back() == ir::kNoValue) inputs.pop_back();
    node.op = ir::Op::DenseInt8;
    node.inputs = std::move(inputs);
    node.attrs.set("k", K);
    node.attrs.set("n", N);
    if (q.x_scale != ir::kNoValue) node.attrs.set("smoothed", int64_t{1});
  }
  g.remove_dead();
}

}  // namespace bertc::passes
