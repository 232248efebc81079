// Reference kernels of ONNX's int8 ops (the dynamic form and QDQ), as the ONNX specification
// defines them (exact integer products; rounding half to even).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/ref/math_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::math {
namespace {

// An operand of MatMulInteger as int32 with its zero point subtracted: a scalar zero point, or
// (`per_column`) one per column of the last axis.
template <typename T>
Tensor centered(const Tensor& x, const Tensor* zero_point) {
  Tensor out = Tensor::empty(DType::kI32, x.shape());
  const int64_t n = x.numel(), cols = x.rank() ? x.shape().back() : 1;
  const T* src = x.data<T>();
  const T* zp = zero_point ? zero_point->data<T>() : nullptr;
  const bool per_column = zero_point && zero_point->numel() > 1;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t z = zp ? zp[per_column ? i % cols : 0] : 0;
    out.data<int32_t>()[i] = static_cast<int32_t>(src[i]) - z;
  }
  return out;
}

Tensor centered_any(const Tensor& x, const Tensor* zero_point, const ir::OpAttrs& attrs) {
  if (zero_point && zero_point->dtype() != x.dtype()) attrs.fail("a zero point's dtype differs from its operand's");
  if (x.dtype() == DType::kU8) return centered<uint8_t>(x, zero_point);
  if (x.dtype() == DType::kI8) return centered<int8_t>(x, zero_point);
  attrs.fail(std::string("operands must be uint8 or int8, got ") + dtype_name(x.dtype()));
}

// Which scale / zero point element of QuantizeLinear / DequantizeLinear applies to element i of
// x: the one (per tensor), or that of i's index on `axis` (per axis).
struct ParamIndex {
  int64_t inner = 1, channels = 1;
  ParamIndex(const Tensor& x, const Tensor& scale, const ir::QuantizeAttrs& attrs) {
    if (scale.numel() == 1) return;
    const int64_t axis = attrs.normalize_axis(attrs.axis, x.rank());
    channels = x.dim(axis);
    for (int64_t d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
  }
  int64_t operator()(int64_t i) const { return channels == 1 ? 0 : (i / inner) % channels; }
};

// y = saturate(round(x / scale) + zero_point) into T's range; NaN gives the zero point.
template <typename T>
void quantize(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const ParamIndex param(x, *call.src[1], call.attrs_as<ir::QuantizeAttrs>());
  const float* in = x.data<float>();
  const float* scale = call.src[1]->data<float>();
  const T* zp = has_src(call, 2) ? call.src[2]->data<T>() : nullptr;
  T* y = call.dst[0]->data<T>();
  constexpr float lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = param(i);
    const float z = zp ? zp[c] : 0.0f;
    const float v = std::nearbyint(in[i] / scale[c]) + z;
    y[i] = static_cast<T>(std::isnan(v) ? z : std::clamp(v, lo, hi));
  }
}

// y = (x - zero_point) · scale, the difference exact in int64.
template <typename T>
void dequantize(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const ParamIndex param(x, *call.src[1], call.attrs_as<ir::QuantizeAttrs>());
  const T* in = x.data<T>();
  const float* scale = call.src[1]->data<float>();
  const T* zp = has_src(call, 2) ? call.src[2]->data<T>() : nullptr;
  float* y = call.dst[0]->data<float>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int64_t c = param(i);
    y[i] = static_cast<float>(static_cast<int64_t>(in[i]) - (zp ? zp[c] : 0)) * scale[c];
  }
}

}  // namespace

// QuantizeLinear: dst[0] uint8 / int8 (its dtype) = saturate(round(x / scale) + zero_point),
// scale and zero point per tensor or per slice of `axis`.
void quantize_linear(const KernelCall& call) {
  if (call.dst[0]->dtype() == DType::kU8) return quantize<uint8_t>(call);
  quantize<int8_t>(call);
}

// DequantizeLinear: dst[0] float32 = (x - zero_point) · scale, x uint8 / int8 / int32.
void dequantize_linear(const KernelCall& call) {
  switch (call.src[0]->dtype()) {
    case DType::kU8:
      return dequantize<uint8_t>(call);
    case DType::kI8:
      return dequantize<int8_t>(call);
    default:
      return dequantize<int32_t>(call);
  }
}

// MatMulInteger: dst[0] int32 = (A - a_zero_point) · (B - b_zero_point), A [..., M, K] and B [K, N]
// uint8 / int8, the zero points scalars (b's: or per column [N]); int32 products, summed exactly
// in int64 and wrapped to int32 as ONNX Runtime's accumulators wrap.
void matmul_integer(const KernelCall& call) {
  const Tensor a = centered_any(*call.src[0], has_src(call, 2) ? call.src[2] : nullptr, *call.attrs);
  const Tensor b = centered_any(*call.src[1], has_src(call, 3) ? call.src[3] : nullptr, *call.attrs);
  const std::vector<const Tensor*> src{&a, &b};
  matmul(KernelCall{call.attrs, src, call.dst, call.pool, call.sequences});
}

// DynamicQuantizeLinear: src[0] float32 x -> dst[0] uint8 y, dst[1] y_scale, dst[2]
// y_zero_point: lo = min(0, min x), hi = max(0, max x), y_scale = (hi - lo) / 255,
// y_zero_point = saturate(round(-lo / y_scale)), y = saturate(round(x / y_scale) + y_zero_point).
// A tensor of zeros (or with no finite range) gets y_scale 0, y_zero_point 0 and y 0.
void dynamic_quantize_linear(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const float* in = x.data<float>();
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < x.numel(); ++i) lo = std::min(lo, in[i]), hi = std::max(hi, in[i]);
  const float scale = std::isfinite(hi - lo) ? (hi - lo) / 255.0f : 0.0f;
  auto saturate = [](float v) { return static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f)); };
  const uint8_t zp = scale > 0 ? saturate(std::nearbyint(-lo / scale)) : 0;
  uint8_t* y = call.dst[0]->data<uint8_t>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    y[i] = scale > 0 ? saturate(std::nearbyint(in[i] / scale) + static_cast<float>(zp)) : 0;
  }
  call.dst[1]->data<float>()[0] = scale;
  call.dst[2]->data<uint8_t>()[0] = zp;
}

}  // namespace bertc::kernels::ref::math
