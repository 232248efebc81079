// Shared templates of the layer-norm family (f32_layer_norm_*, f32_embed_layer_norm_*),
// instantiated once per ISA with the vector type V (simd_avx512.h / simd_avx2.h). Include only
// from *_avx512.cc / *_avx2.cc after the simd header; internal linkage throughout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "cpu/thread_pool.h"
#include "kernels/x86/kernels_x86.h"

namespace bertc::kernels::x86 {
namespace {

// Splits [0, n) into chunks of at least `min_chunk` items, about 4 per thread, and runs
// fn(begin, end) for each on `pool` (or inline when that is not worth it).
template <typename F>
void parallel_chunks(cpu::ThreadPool* pool, int64_t n, int64_t min_chunk, F&& fn) {
  const int threads = pool ? pool->num_threads() : 1;
  if (threads <= 1 || n <= min_chunk) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
  const int64_t chunk = std::max(min_chunk, (n + 4 * threads - 1) / (4 * threads));
  const int64_t tasks = (n + chunk - 1) / chunk;
  pool->parallel_for(tasks, [&](int64_t t, int) { fn(t * chunk, std::min(n, (t + 1) * chunk)); });
}

// One row of layer norm over z = a (+ b) (+ c), summed in that order: kSrcs = 1, 2 or 3 (b, c
// used only when kSrcs says so). When kSrcs > 1, z is first written to y (y may equal a, never
// b or c), so the statistics passes re-read it from L1.
template <class V, int kSrcs>
void layer_norm_row(const float* a, const float* b, const float* c, const float* gamma,
                    const float* beta, float* y, int64_t n, float epsilon) {
  using Reg = typename V::Reg;
  constexpr int W = V::kWidth;
  const int64_t full = n / W * W;
  const int tail = static_cast<int>(n - full);

  // Pass 1: z (stored to y when it is a sum) and its sum, 4 accumulators.
  auto z_at = [&](int64_t k) {
    Reg v = V::loadu(a + k);
    if constexpr (kSrcs >= 2) v = V::add(v, V::loadu(b + k));
    if constexpr (kSrcs >= 3) v = V::add(v, V::loadu(c + k));
    return v;
  };
  Reg s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  int64_t k = 0;
  for (; k + 4 * W <= full; k += 4 * W) {
    const Reg z0 = z_at(k), z1 = z_at(k + W), z2 = z_at(k + 2 * W), z3 = z_at(k + 3 * W);
    if constexpr (kSrcs > 1) {
      V::storeu(y + k, z0);
      V::storeu(y + k + W, z1);
      V::storeu(y + k + 2 * W, z2);
      V::storeu(y + k + 3 * W, z3);
    }
    s0 = V::add(s0, z0);
    s1 = V::add(s1, z1);
    s2 = V::add(s2, z2);
    s3 = V::add(s3, z3);
  }
  for (; k < full; k += W) {
    const Reg z = z_at(k);
    if constexpr (kSrcs > 1) V::storeu(y + k, z);
    s0 = V::add(s0, z);
  }
  if (tail) {
    Reg z = V::load_n(a + full, tail);
    if constexpr (kSrcs >= 2) z = V::add(z, V::load_n(b + full, tail));
    if constexpr (kSrcs >= 3) z = V::add(z, V::load_n(c + full, tail));
    if constexpr (kSrcs > 1) V::store_n(y + full, z, tail);
    s1 = V::add(s1, z);
  }
  const float mean =
      V::reduce_add(V::add(V::add(s0, s1), V::add(s2, s3))) / static_cast<float>(n);
  const float* z = kSrcs > 1 ? y : a;

  // Pass 2: sum of squared deviations.
  const Reg vmean = V::set1(mean);
  s0 = s1 = s2 = s3 = V::zero();
  k = 0;
  for (; k + 4 * W <= full; k += 4 * W) {
    const Reg d0 = V::sub(V::loadu(z + k), vmean), d1 = V::sub(V::loadu(z + k + W), vmean);
    const Reg d2 = V::sub(V::loadu(z + k + 2 * W), vmean);
    const Reg d3 = V::sub(V::loadu(z + k + 3 * W), vmean);
    s0 = V::fmadd(d0, d0, s0);
    s1 = V::fmadd(d1, d1, s1);
    s2 = V::fmadd(d2, d2, s2);
    s3 = V::fmadd(d3, d3, s3);
  }
  for (; k < full; k += W) {
    const Reg d = V::sub(V::loadu(z + k), vmean);
    s0 = V::fmadd(d, d, s0);
  }
  if (tail) {
    const Reg d = V::keep_n(V::sub(V::load_n(z + full, tail), vmean), tail);
    s1 = V::fmadd(d, d, s1);
  }
  const float var = V::reduce_add(V::add(V::add(s0, s1), V::add(s2, s3))) / static_cast<float>(n);
  const Reg rstd = V::set1(1.0f / std::sqrt(var + epsilon));

  // Pass 3: y = (z - mean) * rstd * gamma + beta.
  for (k = 0; k < full; k += W) {
    const Reg t = V::mul(V::sub(V::loadu(z + k), vmean), rstd);
    V::storeu(y + k, V::fmadd(t, V::loadu(gamma + k), V::loadu(beta + k)));
  }
  if (tail) {
    const Reg t = V::mul(V::sub(V::load_n(z + full, tail), vmean), rstd);
    V::store_n(y + full, V::fmadd(t, V::load_n(gamma + full, tail), V::load_n(beta + full, tail)),
               tail);
  }
}

// Rows per task: ~16K floats of work, at least one row.
inline int64_t norm_min_rows(int64_t hidden) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(hidden, 1)); }

template <class V>
void layer_norm(const LayerNormArgs& g, cpu::ThreadPool* pool) {
  if (g.rows <= 0 || g.hidden <= 0) return;
  const int64_t H = g.hidden;
  parallel_chunks(pool, g.rows, norm_min_rows(H), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      if (g.skip) {
        layer_norm_row<V, 2>(g.x + r * H, g.skip + r * H, nullptr, g.gamma, g.beta, g.y + r * H,
                             H, g.epsilon);
      } else {
        layer_norm_row<V, 1>(g.x + r * H, nullptr, nullptr, g.gamma, g.beta, g.y + r * H, H,
                             g.epsilon);
      }
    }
  });
}

template <class V>
void embed_layer_norm(const EmbedLayerNormArgs& g, cpu::ThreadPool* pool) {
  if (g.tokens <= 0 || g.hidden <= 0) return;
  const int64_t H = g.hidden;
  parallel_chunks(pool, g.tokens, norm_min_rows(H), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* w = g.word + g.word_ids[t] * H;
      const float* p = g.position ? g.position + g.pos_ids[t] * H : nullptr;
      const float* ty = g.type ? g.type + g.type_ids[t] * H : nullptr;
      float* y = g.y + t * H;
      // (word + type) + position, the Hugging Face order.
      if (ty && p) {
        layer_norm_row<V, 3>(w, ty, p, g.gamma, g.beta, y, H, g.epsilon);
      } else if (ty || p) {
        layer_norm_row<V, 2>(w, ty ? ty : p, nullptr, g.gamma, g.beta, y, H, g.epsilon);
      } else {
        layer_norm_row<V, 1>(w, nullptr, nullptr, g.gamma, g.beta, y, H, g.epsilon);
      }
    }
  });
}

}  // namespace
}  // namespace bertc::kernels::x86
