// Reference kernel of bertc.LayerNorm: Y = LayerNorm(X + skip) over the last axis.
#include <cmath>
#include <vector>

#include "kernels/ref/fused_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::fused {

void layer_norm_row(const float* z, const float* gamma, const float* beta, int64_t n,
                    double epsilon, float* dst) {
  double mean = 0, var = 0;
  for (int64_t k = 0; k < n; ++k) mean += static_cast<double>(z[k]);
  mean /= static_cast<double>(n);
  for (int64_t k = 0; k < n; ++k) {
    const double c = static_cast<double>(z[k]) - mean;
    var += c * c;
  }
  var /= static_cast<double>(n);
  const double inv_std = 1.0 / std::sqrt(var + epsilon);
  for (int64_t k = 0; k < n; ++k) {
    const double c = static_cast<double>(z[k]) - mean;
    dst[k] = static_cast<float>(c * inv_std * static_cast<double>(gamma[k]) +
                                static_cast<double>(beta[k]));
  }
}

// src[0] X float32 [..., H]; src[1] gamma [H]; src[2] beta [H]; src[3] skip (optional, X's
// shape). Z = X + skip in float32 (as the unfused Add), statistics in double; attr epsilon
// (default 1e-5). dst[0] has X's shape and may alias X (rows are copied before being written).
void layer_norm(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const float* gamma = call.src[1]->data<float>();
  const float* beta = call.src[2]->data<float>();
  const float* skip = has_src(call, 3) ? call.src[3]->data<float>() : nullptr;
  if (x.dtype() != DType::kF32 || x.rank() < 1) call.attrs->fail("X must be float32 [..., H]");
  const int64_t h = x.shape().back();
  if (h == 0) return;
  const int64_t rows = x.numel() / h;
  const double epsilon = call.attrs_as<ir::EpsilonAttrs>().epsilon;
  std::vector<float> z(static_cast<size_t>(h));
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x.data<float>() + r * h;
    for (int64_t k = 0; k < h; ++k) z[k] = skip ? src[k] + skip[r * h + k] : src[k];
    layer_norm_row(z.data(), gamma, beta, h, epsilon, call.dst[0]->data<float>() + r * h);
  }
}

}  // namespace bertc::kernels::ref::fused
