// Reference kernels of ONNX's dynamic int8 ops, as the ONNX specification defines them (exact
// integer products; rounding half to even).
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

}  // namespace

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
