// Reference kernel of bertc.Dense: Y = act(X·W + bias) + residual.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {

double activation(ir::DenseActivation kind, double x) {
  switch (kind) {
    case ir::DenseActivation::kNone:
      return x;
    case ir::DenseActivation::kGeluErf:
      return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
    case ir::DenseActivation::kGeluTanh: {
      const double c = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
    }
    case ir::DenseActivation::kRelu:
      return x > 0 ? x : 0.0;
    case ir::DenseActivation::kTanh:
      return std::tanh(x);
  }
  return x;
}

// src[0] X float32 [..., K]; src[1] W: [K, N] row-major (packed = 0) or the packed layout of
// ir::dense_packed_index (packed = 1, attrs k, n); src[2] bias [N] (optional); src[3] residual
// (optional, dst's shape). dst[0] [..., N]. Per element: x = sum_k X·W in double, + bias,
// activation in double, rounded to float32, then + residual in float32 (the order of the
// unfused graph and of the GEMM epilogue). No aliasing.
void dense(const KernelCall& call) {
  const auto& attrs = call.attrs_as<ir::DenseAttrs>();
  const Tensor& x = *call.src[0];
  const Tensor& w = *call.src[1];
  const float* bias = has_src(call, 2) ? call.src[2]->data<float>() : nullptr;
  const float* residual = has_src(call, 3) ? call.src[3]->data<float>() : nullptr;
  Tensor& y = *call.dst[0];
  const ir::DenseAttrs::Dims d = attrs.dims(ir::shape_of(w.shape()));
  const bool packed = attrs.packed;
  const ir::DenseActivation act = attrs.activation;
  if (x.dtype() != DType::kF32 || x.rank() < 1 || x.shape().back() != d.k) {
    attrs.fail("X must be float32 [..., " + std::to_string(d.k) + "], got " + dims_str(x.shape()));
  }
  const int64_t rows = x.numel() / std::max<int64_t>(d.k, 1);
  const int64_t M = d.k == 0 ? y.numel() / std::max<int64_t>(d.n, 1) : rows;
  const float* a = x.data<float>();
  const float* b = w.data<float>();
  float* out = y.data<float>();
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < d.n; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < d.k; ++k) {
        const int64_t wi = packed ? ir::dense_packed_index(d.k, k, n) : k * d.n + n;
        acc += static_cast<double>(a[m * d.k + k]) * static_cast<double>(b[wi]);
      }
      if (bias) acc += static_cast<double>(bias[n]);
      float v = static_cast<float>(activation(act, acc));
      if (residual) v += residual[m * d.n + n];
      out[m * d.n + n] = v;
    }
  }
}

// bertc.GatedActivation: src[0] X float32 [..., 2F]; dst[0] [..., F] = act(X[..., :F]) ·
// X[..., F:], act exact in double (attr activation). No aliasing.
void gated_activation(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const auto& attrs = call.attrs_as<ir::GatedActivationAttrs>();
  if (x.dtype() != DType::kF32 || x.rank() < 1 || x.shape().back() % 2 != 0) {
    attrs.fail("X must be float32 [..., 2F], got " + dims_str(x.shape()));
  }
  const int64_t F = x.shape().back() / 2, rows = F == 0 ? 0 : x.numel() / (2 * F);
  const float* in = x.data<float>();
  float* out = call.dst[0]->data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t f = 0; f < F; ++f) {
      const double gate = in[r * 2 * F + F + f];
      out[r * F + f] = static_cast<float>(activation(attrs.activation, in[r * 2 * F + f]) * gate);
    }
  }
}

}  // namespace bertc::kernels::ref::fused
