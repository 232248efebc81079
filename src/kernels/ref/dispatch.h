// Dtype dispatch for reference kernels: turn a runtime DType into a C++ element type, over the
// set of types an op supports, and fail with the node's name for any other dtype. Also the one
// element conversion (`convert`) with ONNX Cast semantics, shared by every kernel that converts.
#pragma once

#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <type_traits>

#include "bertc/tensor.h"
#include "ir/op_attrs.h"

namespace bertc::kernels::ref {

// A type passed by value to a dispatched generic lambda: [&]<typename T>(Tag<T>) { ... }.
template <typename T>
struct Tag {
  using type = T;
};

template <typename... Ts>
struct TypeList {};

using FloatTypes = TypeList<float, double>;
using IntTypes = TypeList<int8_t, uint8_t, int32_t, int64_t>;
using NumericTypes = TypeList<float, double, int8_t, uint8_t, int32_t, int64_t>;
using AllTypes = TypeList<float, double, int8_t, uint8_t, int32_t, int64_t, bool>;

namespace detail {

template <typename T, typename... Rest, typename F>
decltype(auto) dispatch_impl(TypeList<T, Rest...>, DType dtype, const ir::OpAttrs& node, F&& f) {
  if constexpr (sizeof...(Rest) == 0) {
    if (dtype != dtype_of<T>())
      node.fail(std::string("unsupported dtype ") + dtype_name(dtype));
    return f(Tag<T>{});
  } else {
    if (dtype == dtype_of<T>()) return f(Tag<T>{});
    return dispatch_impl(TypeList<Rest...>{}, dtype, node, std::forward<F>(f));
  }
}

}  // namespace detail

// Calls f(Tag<T>{}) for the T in `types` whose DType is `dtype`; fails naming `node` when none.
template <typename... Ts, typename F>
decltype(auto) dispatch(TypeList<Ts...> types, DType dtype, const ir::OpAttrs& node, F&& f) {
  return detail::dispatch_impl(types, dtype, node, std::forward<F>(f));
}

// Converts one element with ONNX Cast semantics: to bool is x != 0; float to integer truncates
// toward zero (NaN gives 0, out-of-range values saturate — ONNX leaves them undefined); integer
// narrowing wraps.
template <typename To, typename From>
To convert(From x) {
  if constexpr (std::is_same_v<To, bool>) {
    return x != From{};
  } else if constexpr (std::integral<To> && std::floating_point<From>) {
    if (std::isnan(x)) return To{};
    if (x <= static_cast<From>(std::numeric_limits<To>::lowest())) {
      return std::numeric_limits<To>::lowest();
    }
    if (x >= static_cast<From>(std::numeric_limits<To>::max()))
      return std::numeric_limits<To>::max();
    return static_cast<To>(x);
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace bertc::kernels::ref
