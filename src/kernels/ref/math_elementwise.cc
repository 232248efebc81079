// Reference kernels of the elementwise math ops (binary with numpy broadcasting, variadic
// Min/Max, Pow, Where, unary maps, Cast, Identity, Dropout) and the math family's registration.
// Every kernel reads src[k] with broadcasting to dst[0]'s shape (set by the shape function).
#include <cmath>
#include <cstring>

#include "ir/op_attrs.h"
#include "kernels/ref/math_kernels.h"
#include "kernels/ref/ref_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::math {
namespace {

using PowBaseTypes = TypeList<float, double, int32_t, int64_t>;
using SignedTypes = TypeList<float, double, int8_t, int32_t, int64_t>;

// ---- binary --------------------------------------------------------------------------------

// dst[0] = f(src[0], src[1]) elementwise with broadcasting; both inputs share a dtype from
// `Types`, dst[0] has the type f returns (T, or bool for comparisons). Safe in place.
template <typename Types, typename F>
void binary_kernel(const KernelCall& call, F f) {
  const Tensor& a = *call.src[0];
  const Tensor& b = *call.src[1];
  if (a.dtype() != b.dtype()) {
    call.attrs->fail(std::string("inputs have different dtypes ") + dtype_name(a.dtype()) +
                              " and " + dtype_name(b.dtype()));
  }
  dispatch(Types{}, a.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    using R = decltype(f(T{}, T{}));
    broadcast_map<R, T, T>(f, *call.dst[0], {&a, &b});
  });
}

}  // namespace

// Numeric + - *: integers wrap.
void add(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return wrap_add(a, b); });
}
void sub(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return wrap_sub(a, b); });
}
void mul(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return wrap_mul(a, b); });
}

// Numeric division; integers truncate toward zero (C++), dividing by zero fails, and
// INT_MIN / -1 wraps.
void div(const KernelCall& call) {
  const ir::OpAttrs& node = *call.attrs;
  binary_kernel<NumericTypes>(call, [&node](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) node.fail("integer division by zero");
      if constexpr (std::is_signed_v<T>) {
        if (b == T(-1)) return wrap_neg(a);
      }
    }
    return static_cast<T>(a / b);
  });
}

void equal(const KernelCall& call) {
  binary_kernel<AllTypes>(call, [](auto a, auto b) { return a == b; });
}
void less(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return a < b; });
}
void greater(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return a > b; });
}
void less_or_equal(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return a <= b; });
}
void greater_or_equal(const KernelCall& call) {
  binary_kernel<NumericTypes>(call, [](auto a, auto b) { return a >= b; });
}

using BoolTypes = TypeList<bool>;
void logical_and(const KernelCall& call) {
  binary_kernel<BoolTypes>(call, [](bool a, bool b) { return a && b; });
}
void logical_or(const KernelCall& call) {
  binary_kernel<BoolTypes>(call, [](bool a, bool b) { return a || b; });
}
void logical_xor(const KernelCall& call) {
  binary_kernel<BoolTypes>(call, [](bool a, bool b) { return a != b; });
}

namespace {

// dst[0] = pick(src[0], pick(src[1], ...)) with broadcasting over any number (>= 1) of inputs of
// one numeric dtype; NaN propagates. Safe in place.
template <typename Pick>
void variadic_kernel(const KernelCall& call, Pick pick) {
  Tensor& dst = *call.dst[0];
  dispatch(NumericTypes{}, call.src[0]->dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    broadcast_map<T, T>([](T x) { return x; }, dst, {call.src[0]});
    for (size_t k = 1; k < call.src.size(); ++k) {
      if (call.src[k]->dtype() != dst.dtype())
        call.attrs->fail("inputs have different dtypes");
      broadcast_map<T, T, T>(pick, dst, {&dst, call.src[k]});
    }
  });
}

}  // namespace

void min(const KernelCall& call) {
  variadic_kernel(call, [](auto a, auto b) { return min_value(a, b); });
}
void max(const KernelCall& call) {
  variadic_kernel(call, [](auto a, auto b) { return max_value(a, b); });
}

namespace {

// base ** exponent. Integer ** integer is exact (wrapping) repeated squaring; a negative integer
// exponent gives the truncated 1 / base^-e (0 unless |base| == 1). Anything else is computed in
// double and converted to the base's type.
template <typename T, typename E>
T pow_value(T base, E exponent) {
  if constexpr (std::is_integral_v<T> && std::is_integral_v<E>) {
    if constexpr (std::is_signed_v<E>) {
      if (exponent < 0) {
        if (base == 1 || base == -1) return exponent % 2 != 0 ? base : T{1};
        return 0;
      }
    }
    T result = 1;
    for (uint64_t e = static_cast<uint64_t>(exponent); e; e >>= 1) {
      if (e & 1) result = wrap_mul(result, base);
      base = wrap_mul(base, base);
    }
    return result;
  } else {
    return convert<T>(std::pow(static_cast<double>(base), static_cast<double>(exponent)));
  }
}

}  // namespace

// dst[0] = src[0] ** src[1] with broadcasting; base float32/float64/int32/int64, exponent any
// numeric dtype; dst[0] has the base's dtype. Safe in place.
void pow(const KernelCall& call) {
  const Tensor& a = *call.src[0];
  const Tensor& b = *call.src[1];
  dispatch(PowBaseTypes{}, a.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    dispatch(NumericTypes{}, b.dtype(), *call.attrs, [&]<typename E>(Tag<E>) {
      broadcast_map<T, T, E>(pow_value<T, E>, *call.dst[0], {&a, &b});
    });
  });
}

// dst[0] = src[0] ? src[1] : src[2] with broadcasting; condition bool, X and Y of any one dtype.
void where(const KernelCall& call) {
  const Tensor& x = *call.src[1];
  if (call.src[0]->dtype() != DType::kBool) call.attrs->fail("condition must be bool");
  if (x.dtype() != call.src[2]->dtype()) call.attrs->fail("X and Y have different dtypes");
  dispatch(AllTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    broadcast_map<T, bool, T, T>([](bool c, T a, T b) { return c ? a : b; }, *call.dst[0],
                                 {call.src[0], &x, call.src[2]});
  });
}

// ---- unary ---------------------------------------------------------------------------------
// Each: dst[0] = f(src[0]) elementwise, same dtype and shape; safe in place. Transcendental
// functions are evaluated in double and rounded once.

void neg(const KernelCall& call) {
  unary_kernel<SignedTypes>(call, [](auto x) { return wrap_neg(x); });
}
void abs(const KernelCall& call) {
  unary_kernel<NumericTypes>(call, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      return std::fabs(x);
    } else {
      return x < T{} ? wrap_neg(x) : x;
    }
  });
}
// -1, 0 or 1 by the sign of x (NaN stays NaN).
void sign(const KernelCall& call) {
  unary_kernel<NumericTypes>(call, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(x)) return x;
    }
    return x > T{} ? T{1} : x < T{} ? static_cast<T>(-1) : T{};
  });
}
void ceil(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::ceil(x); });
}
// Clip(x, min?, max?): x limited to [min, max] (either bound may be omitted; NaN stays NaN).
// min and max are one-element numeric tensors, converted to x's dtype (as a Cast would). Safe in
// place.
void clip(const KernelCall& call) {
  const Tensor& x = *call.src[0];
  const Tensor* lo = call.src.size() > 1 ? call.src[1] : nullptr;
  const Tensor* hi = call.src.size() > 2 ? call.src[2] : nullptr;
  for (const Tensor* b : {lo, hi}) {
    if (b && b->numel() != 1) call.attrs->fail("min and max must be one value each, got " + dims_str(b->shape()));
  }
  dispatch(NumericTypes{}, x.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    auto bound = [&](const Tensor* b) {
      T v{};
      dispatch(NumericTypes{}, b->dtype(), *call.attrs, [&]<typename B>(Tag<B>) { v = convert<T, B>(b->data<B>()[0]); });
      return v;
    };
    const bool has_lo = lo != nullptr, has_hi = hi != nullptr;
    const T l = has_lo ? bound(lo) : T{}, h = has_hi ? bound(hi) : T{};
    broadcast_map<T, T>([&](T v) { return has_lo && v < l ? l : has_hi && v > h ? h : v; }, *call.dst[0], {&x});
  });
}
void sqrt(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::sqrt(static_cast<double>(x)); });
}
void reciprocal(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return 1.0 / static_cast<double>(x); });
}
void exp(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::exp(static_cast<double>(x)); });
}
void log(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::log(static_cast<double>(x)); });
}
void cos(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::cos(static_cast<double>(x)); });
}
void sin(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::sin(static_cast<double>(x)); });
}
void tanh(const KernelCall& call) {
  unary_kernel<FloatTypes>(call, [](auto x) { return std::tanh(static_cast<double>(x)); });
}
void sigmoid(const KernelCall& call) {
  unary_kernel<FloatTypes>(call,
                           [](auto x) { return 1.0 / (1.0 + std::exp(-static_cast<double>(x))); });
}
// Erf takes every numeric dtype (ONNX); integer results are truncated like a Cast.
void erf(const KernelCall& call) {
  unary_kernel<NumericTypes>(
      call, [](auto x) { return convert<decltype(x)>(std::erf(static_cast<double>(x))); });
}
// max(x, 0) for float and signed integer dtypes (opset 14); NaN stays NaN.
void relu(const KernelCall& call) {
  unary_kernel<SignedTypes>(call, [](auto x) { return x < decltype(x){} ? decltype(x){} : x; });
}
void logical_not(const KernelCall& call) {
  unary_kernel<BoolTypes>(call, [](bool x) { return !x; });
}

// dst[0] = src[0] converted to the dtype of attribute `to` (dst[0]'s dtype) with ONNX Cast
// semantics (see `convert`), between every pair of bertc dtypes. Safe in place when the dtypes
// are equal.
void cast(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  dispatch(AllTypes{}, src.dtype(), *call.attrs, [&]<typename From>(Tag<From>) {
    dispatch(AllTypes{}, dst.dtype(), *call.attrs, [&]<typename To>(Tag<To>) {
      broadcast_map<To, From>(convert<To, From>, dst, {&src});
    });
  });
}

namespace {

// Copies src to dst (same dtype and shape) unless they are the same memory.
void copy_tensor(const Tensor& src, Tensor& dst) {
  if (dst.raw() != src.raw() && src.nbytes() != 0) std::memmove(dst.raw(), src.raw(), src.nbytes());
}

}  // namespace

// dst[0] = src[0], any dtype. Safe in place.
void identity(const KernelCall& call) { copy_tensor(*call.src[0], *call.dst[0]); }

// Dropout at inference: dst[0] = src[0]; optional dst[1] (bool mask) all true. Fails when input
// 2 (training_mode) is true and input 1 (ratio, default 0.5) is not 0. Safe in place.
void dropout(const KernelCall& call) {
  ir::check_dropout_identity(*call.attrs, has_src(call, 1) ? call.src[1] : nullptr,
                             has_src(call, 2) ? call.src[2] : nullptr);
  copy_tensor(*call.src[0], *call.dst[0]);
  if (has_dst(call, 1)) {
    bool* mask = call.dst[1]->data<bool>();
    for (int64_t i = 0; i < call.dst[1]->numel(); ++i) mask[i] = true;
  }
}

}  // namespace bertc::kernels::ref::math
