// Reference kernel of bertc.DenseBf16: X rounded to bf16 (ir/bf16.h), times the packed bf16 W,
// summed in double (the products of two bf16 are exact), one value at a time.
#include <algorithm>
#include <vector>

#include "ir/bf16.h"
#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {

// src[0] X float32 [..., K]; src[1] Wb int32 (packed bf16 pairs, attrs k, n); src[2] bias [N]?;
// src[3] residual (dst's shape)?. dst[0] [..., N]. Per element: the double sum plus bias, the
// activation in double, rounded to float32, + residual.
void dense_bf16(const KernelCall& call) {
  const auto& attrs = call.attrs_as<ir::DenseAttrs>();
  const Tensor& x = *call.src[0];
  const Tensor& w = *call.src[1];
  const ir::DenseAttrs::Dims d = attrs.bf16_dims(ir::shape_of(w.shape()));
  if (x.dtype() != DType::kF32 || x.rank() < 1 || x.shape().back() != d.k) {
    attrs.fail("X must be float32 [..., " + std::to_string(d.k) + "], got " + dims_str(x.shape()));
  }
  if (w.dtype() != DType::kI32)
    attrs.fail(std::string("Wb must be int32 (bf16 pairs), got ") + dtype_name(w.dtype()));
  const float* bias = has_src(call, 2) ? call.src[2]->data<float>() : nullptr;
  const float* residual = has_src(call, 3) ? call.src[3]->data<float>() : nullptr;
  const int64_t M = d.k == 0 ? call.dst[0]->numel() / std::max<int64_t>(d.n, 1) : x.numel() / d.k;
  const int32_t* wb = w.data<int32_t>();
  float* out = call.dst[0]->data<float>();
  std::vector<double> row(static_cast<size_t>(d.k));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t k = 0; k < d.k; ++k) row[k] = ir::round_to_bf16(x.data<float>()[m * d.k + k]);
    for (int64_t n = 0; n < d.n; ++n) {
      double sum = bias ? bias[n] : 0.0;
      for (int64_t k = 0; k < d.k; ++k) {
        const uint32_t pair = static_cast<uint32_t>(wb[ir::dense_bf16_packed_index(d.k, k, n)]);
        sum += row[k] * ir::bf16_to_f32(static_cast<uint16_t>(k % 2 ? pair >> 16 : pair));
      }
      float v = static_cast<float>(activation(attrs.activation, sum));
      if (residual) v += residual[m * d.n + n];
      out[m * d.n + n] = v;
    }
  }
}

}  // namespace bertc::kernels::ref::fused
