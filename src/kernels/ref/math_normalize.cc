// Reference kernels of Softmax and LayerNormalization; statistics are computed in double.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ir/op_attrs.h"
#include "kernels/ref/math_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::math {

// Softmax of src[0] (float32/float64) over the dims ir::softmax_axes names (one axis, or at
// opset < 13 every dim from `axis` on): y = exp(x - max) / sum(exp(x - max)), in double.
// dst[0] has src[0]'s shape; no aliasing.
void softmax(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  Tensor& y = *call.dst[0];
  auto [first, last] = call.attrs_as<ir::SoftmaxAttrs>().axes(x.rank());
  const AxisSplit s = split_dims(x.shape(), first, last);
  dispatch(FloatTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t j = 0; j < s.inner; ++j) {
        const int64_t base = o * s.n * s.inner + j;
        double max = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < s.n; ++k)
          max = std::max(max, static_cast<double>(src[base + k * s.inner]));
        double sum = 0;
        for (int64_t k = 0; k < s.n; ++k)
          sum += std::exp(static_cast<double>(src[base + k * s.inner]) - max);
        for (int64_t k = 0; k < s.n; ++k) {
          const int64_t i = base + k * s.inner;
          dst[i] = static_cast<T>(std::exp(static_cast<double>(src[i]) - max) / sum);
        }
      }
    }
  });
}

// LayerNormalization (opset 17) of src[0] (float32/float64) over dims [axis, rank):
// y = (x - mean) / sqrt(var + epsilon) * scale + bias, with src[1] (Scale) and optional src[2]
// (B) broadcast over the normalized dims; statistics in double. Optional dst[1] (Mean) and
// dst[2] (InvStdDev) hold one value per normalized row (float32). No aliasing.
void layer_norm(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const Tensor& scale = *call.src[1];
  const Tensor* bias = has_src(call, 2) ? call.src[2] : nullptr;
  const auto& attrs = call.attrs_as<ir::LayerNormalizationAttrs>();
  const int64_t axis = attrs.first_axis(x.rank());
  const AxisSplit s = split_dims(x.shape(), axis, x.rank());
  const double epsilon = attrs.epsilon;
  // Offsets of Scale's and B's element for each position within a normalized row.
  const Dims row(x.shape().begin() + axis, x.shape().end());
  std::vector<int64_t> scale_off(static_cast<size_t>(s.n)), bias_off(static_cast<size_t>(s.n));
  broadcast_for_each<2>(row, {scale.shape(), bias ? bias->shape() : Dims{}},
                        [&](int64_t i, const std::array<int64_t, 2>& off) {
                          scale_off[i] = off[0];
                          bias_off[i] = off[1];
                        });
  auto write_stat = [&](size_t out, int64_t o, double v) {
    if (!has_dst(call, out)) return;
    dispatch(FloatTypes{}, call.dst[out]->dtype(), *call.attrs,
             [&]<typename U>(Tag<U>) { call.dst[out]->data<U>()[o] = static_cast<U>(v); });
  };
  dispatch(FloatTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    if (scale.dtype() != x.dtype() || (bias && bias->dtype() != x.dtype())) {
      call.attrs->fail("X, Scale and B must have one dtype");
    }
    const T* w = scale.data<T>();
    const T* b = bias ? bias->data<T>() : nullptr;
    for (int64_t o = 0; o < s.outer; ++o) {
      const T* src = x.data<T>() + o * s.n;
      T* dst = call.dst[0]->data<T>() + o * s.n;
      double mean = 0, var = 0;
      for (int64_t k = 0; k < s.n; ++k) mean += static_cast<double>(src[k]);
      mean /= static_cast<double>(s.n);
      for (int64_t k = 0; k < s.n; ++k) var += (src[k] - mean) * (src[k] - mean);
      var /= static_cast<double>(s.n);
      const double inv_std = 1.0 / std::sqrt(var + epsilon);
      for (int64_t k = 0; k < s.n; ++k) {
        double v = (src[k] - mean) * inv_std * static_cast<double>(w[scale_off[k]]);
        if (b) v += static_cast<double>(b[bias_off[k]]);
        dst[k] = static_cast<T>(v);
      }
      write_stat(1, o, mean);
      write_stat(2, o, inv_std);
    }
  });
}

}  // namespace bertc::kernels::ref::math
