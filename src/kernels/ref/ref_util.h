// Helpers shared by the reference kernels: numpy broadcasting (one iterator for every
// multi-input elementwise op, Expand-like copies and reductions), the one unary-map kernel, and
// integer arithmetic that wraps instead of overflowing (signed overflow is UB in C++).
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

#include "bertc/tensor.h"
#include "kernels/kernel.h"
#include "kernels/ref/dispatch.h"

namespace bertc::kernels::ref {

// Element strides for reading a C-order tensor of shape `in` as shape `out` under numpy
// broadcasting: dims aligned on the right, stride 0 where `in` has size 1 or no dim. Assumes
// the shapes are compatible (the shape function checked them).
inline Dims broadcast_strides(const Dims& in, const Dims& out) {
  Dims strides(out.size(), 0);
  int64_t stride = 1;
  for (size_t k = 0; k < in.size(); ++k) {
    size_t d_in = in.size() - 1 - k;
    size_t d_out = out.size() - 1 - k;
    strides[d_out] = in[d_in] == 1 ? 0 : stride;
    stride *= in[d_in];
  }
  return strides;
}

// Calls fn(i, off) for every element i (C order) of a tensor of shape `out`, where off[k] is the
// offset of the element of an input of shape in[k] that broadcasts to element i.
template <size_t N, typename F>
void broadcast_for_each(const Dims& out, const std::array<Dims, N>& in, F&& fn) {
  const int64_t total = dims_numel(out);
  if (total == 0) return;
  std::array<Dims, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = broadcast_strides(in[k], out);
  std::array<int64_t, N> base{};
  if (out.empty()) {
    fn(int64_t{0}, base);
    return;
  }
  const size_t last = out.size() - 1;
  const int64_t inner = out[last];
  Dims index(out.size(), 0);
  for (int64_t i = 0; i < total; i += inner) {
    std::array<int64_t, N> off;
    for (int64_t j = 0; j < inner; ++j) {
      for (size_t k = 0; k < N; ++k) off[k] = base[k] + j * strides[k][last];
      fn(i + j, off);
    }
    // Advance the multi-index over the outer dims (an odometer), keeping `base` in step.
    for (size_t d = last; d-- > 0;) {
      for (size_t k = 0; k < N; ++k) base[k] += strides[k][d];
      if (++index[d] < out[d]) break;
      for (size_t k = 0; k < N; ++k) base[k] -= strides[k][d] * out[d];
      index[d] = 0;
    }
  }
}

// dst[i] = f(src_0[..], src_1[..], ...) over dst's shape, each src read with broadcasting as
// element type Ts[k]; dst has element type R. dst may alias a src of dst's own shape: each
// element is read before the same element is written.
template <typename R, typename... Ts, typename F>
void broadcast_map(F&& f, Tensor& dst, const std::array<const Tensor*, sizeof...(Ts)>& srcs) {
  constexpr size_t N = sizeof...(Ts);
  std::array<Dims, N> dims;
  for (size_t k = 0; k < N; ++k) dims[k] = srcs[k]->shape();
  R* out = dst.data<R>();
  auto read = [&]<size_t... I>(std::index_sequence<I...>, const std::array<int64_t, N>& off) {
    return f(srcs[I]->template data<Ts>()[off[I]]...);
  };
  broadcast_for_each<N>(dst.shape(), dims, [&](int64_t i, const std::array<int64_t, N>& off) {
    out[i] = static_cast<R>(read(std::index_sequence_for<Ts...>{}, off));
  });
}

// The unary elementwise kernel: dst[0][i] = f(src[0][i]) for T in `Types` (dst has src's dtype
// and shape). Safe in place.
template <typename Types, typename F>
void unary_kernel(const KernelCall& call, F f) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  dispatch(Types{}, src.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    const T* x = src.data<T>();
    T* y = dst.data<T>();
    const int64_t n = src.numel();
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<T>(f(x[i]));
  });
}

// The element counts of dims [0, first), [first, last) and [last, rank) of `dims`: the outer,
// axis and inner extents of an op working along dims [first, last) of a C-order tensor.
struct AxisSplit {
  int64_t outer, n, inner;
};
inline AxisSplit split_dims(const Dims& dims, int64_t first, int64_t last) {
  auto prod = [&](int64_t from, int64_t to) {
    return dims_numel(std::span<const int64_t>(dims.data() + from, static_cast<size_t>(to - from)));
  };
  return {prod(0, first), prod(first, last), prod(last, static_cast<int64_t>(dims.size()))};
}

// Whether an optional input / output slot is present.
inline bool has_src(const KernelCall& call, size_t i) {
  return i < call.src.size() && call.src[i] != nullptr;
}
inline bool has_dst(const KernelCall& call, size_t i) {
  return i < call.dst.size() && call.dst[i] != nullptr;
}

// Integer arithmetic that wraps modulo 2^bits (as ONNX Runtime's does) instead of overflowing;
// plain arithmetic for floating types.
template <typename T>
T wrap_add(T a, T b) {
  if constexpr (std::integral<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <typename T>
T wrap_sub(T a, T b) {
  if constexpr (std::integral<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <typename T>
T wrap_mul(T a, T b) {
  if constexpr (std::integral<T> && !std::is_same_v<T, bool>) {
    // Multiply in at least 32-bit unsigned so narrow types do not promote to signed int.
    using U = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}
template <typename T>
T wrap_neg(T a) {
  return wrap_sub(T{}, a);
}

template <typename T>
bool is_nan(T x) {
  if constexpr (std::floating_point<T>) {
    return std::isnan(x);
  } else {
    return false;
  }
}

// Max / Min that propagate NaN (like numpy's maximum / minimum and ONNX Max / Min).
template <typename T>
T max_value(T a, T b) {
  return is_nan(a) || a >= b ? a : b;
}
template <typename T>
T min_value(T a, T b) {
  return is_nan(a) || a <= b ? a : b;
}

// The accumulator type of sums: double for floating types (a tight reference), int64_t for
// integers (accumulated with wrap_add / wrap_mul; converting back to T wraps like T would).
template <typename T>
using acc_t = std::conditional_t<std::floating_point<T>, double, int64_t>;

}  // namespace bertc::kernels::ref
