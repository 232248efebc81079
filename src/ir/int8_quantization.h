// The numbers of bertc's int8 path, defined once (the reference kernel, the x86 kernels and the
// quantize pass follow these functions exactly, so integer sums agree bit for bit on every ISA).
//
// Weights: symmetric, per output column n, within ±64 (129 levels): scale_n = max_k |W(k, n)| /
// 64 (1 for a zero column), Wq(k, n) = clamp(round(W(k, n) / scale_n), -64, 64).
// Activations: asymmetric 7-bit (0..127), per row (token) at run time: lo = min(0, min x), hi =
// max(0, max x), scale = (hi - lo) / 127 (1 when hi = lo), zero point z = round(-lo / scale), q =
// clamp(round(x · (1 / scale)) + z, 0, 127). The GEMM's sum is that of the centered values,
// S = sum_k (q - z)(m, k) · Wq(k, n) = sum_k q · Wq - z · sum_k Wq (exact in int32 for
// K < 65,536), and Y(m, n) = fma(float(S), scale_m · scale_n, bias_n) (one rounding).
// Rounding is to nearest even (the default mode; what cvtps2dq does).
// Why 7 and ±64: the AVX2 kernel multiplies with vpmaddubsw, which adds two uint8 × int8
// products in int16 (saturating), and then adds two such pair sums with vpaddw before widening:
// 4 · 127 · 64 = 32,512 fits in int16, so the sums stay exact while one vpmaddwd widens eight
// products instead of four (the widening is the bottleneck on AVX2; 255 · 127 pairs would
// saturate at once, which ONNX Runtime's AVX2 kernel lets happen).
// Smoothing (SmoothQuant's migration, for activations with outlier channels): with a channel
// vector c[K], the row quantized is x_k · c_k (a float product) and Wq is quantized from
// W(k, n) / c_k, so the product is unchanged and the outlier channels are flattened before the
// per-row range is taken.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace bertc::ir {

inline constexpr int64_t kInt8MaxK = 65535;  // int32 sums of K products q · Wq stay exact
inline constexpr float kWeightMax = 64.0f;   // |Wq| <= 64
inline constexpr int32_t kActivationMax = 127;  // 0 <= q <= 127

struct RowQuantization {
  float scale = 1.0f;
  float inv_scale = 1.0f;
  int32_t zero_point = 0;
};

// The parameters of a row whose smallest and largest values are lo and hi (any order with 0).
inline RowQuantization row_quantization(float lo, float hi) {
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  RowQuantization q;
  if (!(hi > lo) || !std::isfinite(hi - lo)) return q;
  q.scale = (hi - lo) / static_cast<float>(kActivationMax);
  q.inv_scale = 1.0f / q.scale;
  q.zero_point = static_cast<int32_t>(std::clamp(std::nearbyint(-lo * q.inv_scale), 0.0f, static_cast<float>(kActivationMax)));
  return q;
}

// q - z for one value.
inline int32_t quantize_centered(float x, const RowQuantization& q) {
  float p = x * q.inv_scale;
  if (!(p <= 512.0f)) p = 512.0f;  // (NaN too) clamped before the conversion, as the kernels do
  if (p < -512.0f) p = -512.0f;
  const int32_t v = static_cast<int32_t>(std::nearbyint(p));
  return std::clamp(v + q.zero_point, 0, kActivationMax) - q.zero_point;
}

// The per-column weight scale for a column whose largest magnitude is amax.
inline float weight_scale(float amax) { return amax > 0.0f && std::isfinite(amax) ? amax / kWeightMax : 1.0f; }

inline int8_t quantize_weight(float w, float scale) {
  return static_cast<int8_t>(std::clamp(std::nearbyint(w / scale), -kWeightMax, kWeightMax));
}

}  // namespace bertc::ir
