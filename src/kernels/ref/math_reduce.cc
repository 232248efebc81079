// Reference kernels of ReduceMean / ReduceSum / ReduceMax and CumSum. Sums accumulate in double
// for float types and in int64 (wrapping) for integers.
#include <limits>
#include <vector>

#include "ir/op_attrs.h"
#include "kernels/ref/math_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::math {
namespace {

using CumSumTypes = TypeList<float, double, int32_t, int64_t>;

// src[0]'s dims with every dim the node reduces (ir::reduce_axes; axes from the attribute or
// the value of src[1]) set to 1: the output's dims as if keepdims = 1.
Dims kept_dims(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const std::vector<bool> mask =
      call.attrs_as<ir::ReduceAttrs>().reduced(has_src(call, 1) ? call.src[1] : nullptr, x.rank());
  Dims kept = x.shape();
  for (size_t d = 0; d < kept.size(); ++d) {
    if (mask[d]) kept[d] = 1;
  }
  return kept;
}

// Reduces src[0] (numeric dtype T) into dst[0]: each output element starts at `init`, folds
// every input element that maps to it with combine(acc, x) in C order, and is then written as
// finish(acc, count), count being the number of elements folded into each output.
template <typename Init, typename Combine, typename Finish>
void reduce_kernel(const KernelCall& call, Init init, Combine combine, Finish finish) {
  const Tensor& x = *call.src[0];
  const Dims kept = kept_dims(call);
  const int64_t outputs = dims_numel(kept);
  const int64_t count = outputs ? x.numel() / outputs : 0;
  dispatch(NumericTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    using Acc = decltype(init(Tag<T>{}));
    std::vector<Acc> acc(static_cast<size_t>(outputs), init(Tag<T>{}));
    const T* src = x.data<T>();
    broadcast_for_each<1>(x.shape(), {kept}, [&](int64_t i, const std::array<int64_t, 1>& off) {
      acc[off[0]] = combine(acc[off[0]], src[i]);
    });
    T* dst = call.dst[0]->data<T>();
    for (int64_t j = 0; j < outputs; ++j) dst[j] = static_cast<T>(finish(acc[j], count));
  });
}

auto zero_init = []<typename T>(Tag<T>) { return acc_t<T>{}; };
auto sum_combine = [](auto acc, auto x) { return wrap_add(acc, static_cast<decltype(acc)>(x)); };

}  // namespace

// ReduceSum of src[0] (numeric) over the node's axes into dst[0] (keepdims either way: the
// element order is the same).
void reduce_sum(const KernelCall& call) {
  reduce_kernel(call, zero_init, sum_combine, [](auto acc, int64_t) { return acc; });
}

// ReduceMean: the sum divided by the count; integers divide truncating; a float mean over no
// elements is NaN, an integer one fails.
void reduce_mean(const KernelCall& call) {
  reduce_kernel(call, zero_init, sum_combine, [&call](auto acc, int64_t count) {
    using Acc = decltype(acc);
    if constexpr (std::is_integral_v<Acc>) {
      if (count == 0) call.attrs->fail("integer mean over an empty set of elements");
    }
    return acc / static_cast<Acc>(count);
  });
}

// ReduceMax: the largest element (NaN propagates); over no elements, -inf for float types and
// the lowest value for integers.
void reduce_max(const KernelCall& call) {
  auto lowest = []<typename T>(Tag<T>) {
    if constexpr (std::numeric_limits<T>::has_infinity) {
      return -std::numeric_limits<T>::infinity();
    } else {
      return std::numeric_limits<T>::lowest();
    }
  };
  reduce_kernel(
      call, lowest, [](auto acc, auto x) { return max_value(acc, x); },
      [](auto acc, int64_t) { return acc; });
}

// CumSum of src[0] (float32/float64/int32/int64) along the axis src[1]'s value names:
// dst[i] = sum of the elements before i (exclusive = 1) or up to and including i along the
// axis, counted from the end when reverse = 1. dst[0] has src[0]'s shape; no aliasing.
void cumsum(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const auto& attrs = call.attrs_as<ir::CumSumAttrs>();
  const int64_t axis = attrs.axis_of(*call.src[1], x.rank());
  const AxisSplit s = split_dims(x.shape(), axis, axis + 1);
  const bool exclusive = attrs.exclusive;
  const bool reverse = attrs.reverse;
  dispatch(CumSumTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    const T* src = x.data<T>();
    T* dst = call.dst[0]->data<T>();
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t j = 0; j < s.inner; ++j) {
        acc_t<T> acc{};
        for (int64_t t = 0; t < s.n; ++t) {
          const int64_t i = o * s.n * s.inner + (reverse ? s.n - 1 - t : t) * s.inner + j;
          const acc_t<T> before = acc;
          acc = wrap_add(acc, static_cast<acc_t<T>>(src[i]));
          dst[i] = static_cast<T>(exclusive ? before : acc);
        }
      }
    }
  });
}

}  // namespace bertc::kernels::ref::math
