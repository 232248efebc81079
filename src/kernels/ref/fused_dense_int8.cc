// Reference kernel of bertc.DenseInt8: the numbers of ir/int8_quantization.h, one value at a
// time, with int64 sums (the optimized kernels' int32 sums must equal them).
#include <algorithm>
#include <cmath>
#include <vector>

#include "ir/int8_quantization.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {

// src[0] X float32 [..., K]; src[1] Wq int8 (packed, attrs k, n); src[2] w_scale [N]; src[3] bias
// [N]?; src[4] residual (dst's shape)?; src[5] x_scale [K]?. dst[0] [..., N]. Per element:
// fma(float(sum), scale_row · scale_n, bias) in float32, the activation in double (exact),
// rounded, + residual.
void dense_int8(const KernelCall& call) {
  const auto& attrs = call.attrs_as<ir::DenseAttrs>();
  const Tensor& x = *call.src[0];
  const Tensor& w = *call.src[1];
  const Tensor& scales = *call.src[2];
  const ir::DenseAttrs::Dims d = attrs.int8_dims(ir::shape_of(w.shape()));
  if (x.dtype() != DType::kF32 || x.rank() < 1 || x.shape().back() != d.k) {
    attrs.fail("X must be float32 [..., " + std::to_string(d.k) + "], got " + dims_str(x.shape()));
  }
  if (d.k > ir::kInt8MaxK) attrs.fail("K = " + std::to_string(d.k) + " is larger than the int8 path allows");
  if (w.dtype() != DType::kI8 || scales.dtype() != DType::kF32 || scales.numel() != d.n) {
    attrs.fail("Wq must be int8 and w_scale float32 [" + std::to_string(d.n) + "]");
  }
  const float* bias = has_src(call, 3) ? call.src[3]->data<float>() : nullptr;
  const float* residual = has_src(call, 4) ? call.src[4]->data<float>() : nullptr;
  const float* smooth = has_src(call, 5) ? call.src[5]->data<float>() : nullptr;
  if (smooth && call.src[5]->numel() != d.k) attrs.fail("x_scale must have K = " + std::to_string(d.k) + " values");
  const int64_t M = d.k == 0 ? call.dst[0]->numel() / std::max<int64_t>(d.n, 1) : x.numel() / d.k;
  const float* a = x.data<float>();
  const int8_t* wq = w.data<int8_t>();
  const float* ws = scales.data<float>();
  float* out = call.dst[0]->data<float>();
  std::vector<int32_t> q(static_cast<size_t>(d.k));
  std::vector<float> smoothed(static_cast<size_t>(smooth ? d.k : 0));
  for (int64_t m = 0; m < M; ++m) {
    const float* row = a + m * d.k;
    if (smooth) {
      for (int64_t k = 0; k < d.k; ++k) smoothed[k] = row[k] * smooth[k];
      row = smoothed.data();
    }
    float lo = 0.0f, hi = 0.0f;
    for (int64_t k = 0; k < d.k; ++k) lo = std::min(lo, row[k]), hi = std::max(hi, row[k]);
    const ir::RowQuantization rq = ir::row_quantization(lo, hi);
    for (int64_t k = 0; k < d.k; ++k) q[k] = ir::quantize_centered(row[k], rq);
    for (int64_t n = 0; n < d.n; ++n) {
      int64_t sum = 0;
      for (int64_t k = 0; k < d.k; ++k) sum += q[k] * int64_t{wq[ir::dense_int8_packed_index(d.k, k, n)]};
      float v = std::fma(static_cast<float>(sum), rq.scale * ws[n], bias ? bias[n] : 0.0f);
      v = static_cast<float>(activation(attrs.activation, v));
      if (residual) v += residual[m * d.n + n];
      out[m * d.n + n] = v;
    }
  }
}

}  // namespace bertc::kernels::ref::fused
