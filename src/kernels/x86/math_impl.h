// Shared templates of the elementwise family (f32_exp_*, f32_softmax_*, f32_activation_*),
// instantiated once per ISA with the vector type V. Include only from *_avx512.cc / *_avx2.cc
// after the simd header; internal linkage throughout.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/x86/kernels_x86.h"
#include "kernels/x86/norm_impl.h"  // parallel_chunks
#include "kernels/x86/simd_common.h"

namespace bertc::kernels::x86 {
namespace {

// dst[i] = f(src[i]) for a vector map f, full vectors then one masked tail.
template <class V, typename F>
void map_vec(const float* src, float* dst, int64_t n, F&& f) {
  constexpr int W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) V::storeu(dst + i, f(V::loadu(src + i), i, W));
  if (i < n) {
    const int t = static_cast<int>(n - i);
    V::store_n(dst + i, f(V::load_n(src + i, t), i, t), t);
  }
}

template <class V>
void exp_array(const float* src, float* dst, int64_t n, bool fast_math) {
  if (fast_math) {
    map_vec<V>(src, dst, n, [](typename V::Reg x, int64_t, int) { return V::exp_fast(x); });
  } else {
    map_vec<V>(src, dst, n, [](typename V::Reg x, int64_t, int) { return V::exp_precise(x); });
  }
}

// tanh(x) ~ x P(x^2) / Q(x^2), x clamped to [-7.905, 7.905] (see simd_common.h).
template <class V>
typename V::Reg tanh_fast(typename V::Reg x) {
  using namespace simd_const;
  x = V::max(V::set1(-kTanhClamp), x);
  x = V::min(V::set1(kTanhClamp), x);
  const auto x2 = V::mul(x, x);
  auto p = V::set1(kTanhA13);
  p = V::fmadd(p, x2, V::set1(kTanhA11));
  p = V::fmadd(p, x2, V::set1(kTanhA9));
  p = V::fmadd(p, x2, V::set1(kTanhA7));
  p = V::fmadd(p, x2, V::set1(kTanhA5));
  p = V::fmadd(p, x2, V::set1(kTanhA3));
  p = V::fmadd(p, x2, V::set1(kTanhA1));
  p = V::mul(p, x);
  auto q = V::set1(kTanhB6);
  q = V::fmadd(q, x2, V::set1(kTanhB4));
  q = V::fmadd(q, x2, V::set1(kTanhB2));
  q = V::fmadd(q, x2, V::set1(kTanhB0));
  return V::div(p, q);
}

// erf(x) ~ x P(x^2) / Q(x^2), x clamped to [-4, 4] (see simd_common.h).
template <class V>
typename V::Reg erf_fast(typename V::Reg x) {
  using namespace simd_const;
  x = V::max(V::set1(-kErfClamp), x);
  x = V::min(V::set1(kErfClamp), x);
  const auto x2 = V::mul(x, x);
  auto p = V::set1(kErfA[0]);
  for (int i = 1; i < 7; ++i) p = V::fmadd(p, x2, V::set1(kErfA[i]));
  p = V::mul(p, x);
  auto q = V::set1(kErfB[0]);
  for (int i = 1; i < 5; ++i) q = V::fmadd(q, x2, V::set1(kErfB[i]));
  return V::div(p, q);
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
template <class V>
typename V::Reg gelu_tanh_fast(typename V::Reg x) {
  const auto x2 = V::mul(x, x);
  const auto inner = V::mul(V::mul(x, V::set1(0.7978845608028654f)),
                            V::fmadd(x2, V::set1(0.044715f), V::set1(1.0f)));
  const auto hx = V::mul(x, V::set1(0.5f));
  return V::fmadd(hx, tanh_fast<V>(inner), hx);
}

inline double activation_exact(Activation act, double x) {
  switch (act) {
    case Activation::kNone: return x;
    case Activation::kGeluTanh:
      return 0.5 * x * (1.0 + std::tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
    case Activation::kRelu: return x > 0 ? x : (x == x ? 0.0 : x);
    case Activation::kTanh: return std::tanh(x);
    case Activation::kErf: return std::erf(x);
  }
  return x;
}

template <class V, Activation kAct>
typename V::Reg activation_fast(typename V::Reg x) {
  if constexpr (kAct == Activation::kGeluTanh) return gelu_tanh_fast<V>(x);
  if constexpr (kAct == Activation::kRelu) return V::max(V::zero(), x);  // NaN -> NaN
  if constexpr (kAct == Activation::kTanh) return tanh_fast<V>(x);
  if constexpr (kAct == Activation::kErf) return erf_fast<V>(x);
  return x;
}

template <class V, Activation kAct>
void activation_fast_array(const float* src, const float* residual, float* dst, int64_t n) {
  if (residual) {
    map_vec<V>(src, dst, n, [&](typename V::Reg x, int64_t i, int cnt) {
      const auto r = cnt == V::kWidth ? V::loadu(residual + i) : V::load_n(residual + i, cnt);
      return V::add(activation_fast<V, kAct>(x), r);
    });
  } else {
    map_vec<V>(src, dst, n,
               [](typename V::Reg x, int64_t, int) { return activation_fast<V, kAct>(x); });
  }
}

template <class V>
void activation(Activation act, const float* src, const float* residual, float* dst, int64_t n,
                bool fast_math) {
  if (!fast_math && act != Activation::kRelu && act != Activation::kNone) {
    for (int64_t i = 0; i < n; ++i) {
      float v = static_cast<float>(activation_exact(act, static_cast<double>(src[i])));
      if (residual) v += residual[i];
      dst[i] = v;
    }
    return;
  }
  switch (act) {
    case Activation::kNone: activation_fast_array<V, Activation::kNone>(src, residual, dst, n); break;
    case Activation::kGeluTanh:
      activation_fast_array<V, Activation::kGeluTanh>(src, residual, dst, n);
      break;
    case Activation::kRelu: activation_fast_array<V, Activation::kRelu>(src, residual, dst, n); break;
    case Activation::kTanh: activation_fast_array<V, Activation::kTanh>(src, residual, dst, n); break;
    case Activation::kErf: activation_fast_array<V, Activation::kErf>(src, residual, dst, n); break;
  }
}

// Softmax of one row of n floats: max, exp(x - max) stored to y with its sum, y *= 1/sum.
template <class V, bool kFast>
void softmax_row(const float* x, float* y, int64_t n) {
  using Reg = typename V::Reg;
  constexpr int W = V::kWidth;
  const int64_t full = n / W * W;
  const int tail = static_cast<int>(n - full);
  const float ninf = -__builtin_inff();
  Reg m = V::set1(ninf);
  for (int64_t k = 0; k < full; k += W) m = V::max(V::loadu(x + k), m);  // NaN propagates
  if (tail) {
    m = V::max(V::load_n_or(x + full, tail, ninf), m);  // masked lanes: -inf
  }
  const Reg vmax = V::set1(V::reduce_max(m));
  Reg s = V::zero();
  for (int64_t k = 0; k < full; k += W) {
    const Reg e = V::template exp<kFast>(V::sub(V::loadu(x + k), vmax));
    V::storeu(y + k, e);
    s = V::add(s, e);
  }
  if (tail) {
    const Reg e = V::keep_n(V::template exp<kFast>(V::sub(V::load_n(x + full, tail), vmax)), tail);
    V::store_n(y + full, e, tail);
    s = V::add(s, e);
  }
  const Reg inv = V::set1(1.0f / V::reduce_add(s));
  for (int64_t k = 0; k < full; k += W) V::storeu(y + k, V::mul(V::loadu(y + k), inv));
  if (tail) V::store_n(y + full, V::mul(V::load_n(y + full, tail), inv), tail);
}

template <class V>
void softmax(const float* x, float* y, int64_t rows, int64_t n, bool fast_math,
             cpu::ThreadPool* pool) {
  if (rows <= 0 || n <= 0) return;
  parallel_chunks(pool, rows, std::max<int64_t>(1, 8192 / n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      if (fast_math) {
        softmax_row<V, true>(x + r * n, y + r * n, n);
      } else {
        softmax_row<V, false>(x + r * n, y + r * n, n);
      }
    }
  });
}

}  // namespace
}  // namespace bertc::kernels::x86
