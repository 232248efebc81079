// Shared template of the f32 GEMM kernels (f32_gemm_avx512.cc / f32_gemm_avx2.cc), instantiated
// once per ISA with the vector type V and the micro-tile MR rows × NV vectors: the micro-kernel,
// the GELU / residual post-pass, A packing and the block loop behind GemmIsaKernels (see
// gemm_internal.h for the driver interface, gemm.h for the operation and the packed-B layout).
// Include only from *_avx512.cc / *_avx2.cc after the simd header; internal linkage.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "kernels/x86/gemm_internal.h"
#include "kernels/x86/math_impl.h"  // erf_fast, map_vec

namespace bertc::kernels::x86::gemm_detail {
namespace {

// 0.5 x (1 + erf(x / sqrt 2)) with erf_fast (max abs error: gemm.h).
template <class V>
typename V::Reg gelu_fast(typename V::Reg x) {
  const auto e = erf_fast<V>(V::mul(x, V::set1(0.70710678118654752f)));
  const auto hx = V::mul(x, V::set1(0.5f));
  return V::fmadd(hx, e, hx);
}

template <class V>
typename V::Reg gelu_exact(typename V::Reg x) {
  alignas(64) float tmp[V::kWidth];
  V::store(tmp, x);
  gelu_exact_inplace(tmp, V::kWidth);
  return V::load(tmp);
}

// f32_gemm_{MR}x{W·NV}_{isa}: C tile = [src tile +] A_panel · B_slice [+ bias] over kc.
//   a: with MRS > 0 a packed A micro-panel, a[k * MRS + r] (MRS floats per k); with MRS == 0
//      A in place, a[r * lda + k] (MR row streams: no packing pass, rows past M never read).
//   b: the first packed B panel at row k0 (64-byte aligned); vector v of the tile (columns
//      [v W, v W + W)) is in panel v W / 16 at b + (v W / 16) * b_stride + k * 16 + v W % 16.
//   c: C(m, n), row stride ldc, any alignment; src (or null): a tile added to the result, row
//      stride lds (the partial sum in C for later K blocks, or R in the first block when the
//      residual goes first — src may equal c). The last vector is `last` (1..W) lanes wide:
//      only MR rows and W (NV - 1) + last columns of c / src / bias are read or written.
//   kc may be 0.
// The epilogue is deliberately tiny (one predictable branch each for bias and src): GELU and a
// late residual run in a separate pass over the tile while it is in L1, which keeps this
// function small and its per-call overhead ~50 cycles. Enough accumulators (MR · NV) hide the
// FMA latency: 2 pipes × 4 cycles need >= 8.
template <class V, int MRS, int MR, int NV>
void gemm_ukernel(int64_t kc, const float* __restrict a, int64_t lda, const float* __restrict b,
                  int64_t b_stride, float* c, int64_t ldc, const float* src, int64_t lds, int last,
                  const float* bias) {
  using Reg = typename V::Reg;
  constexpr int W = V::kWidth;
  const bool last_full = last == W;
  Reg acc[MR][NV];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
  }
  for (int64_t k = 0; k < kc; ++k) {
    Reg bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = V::load(b + (v * W / 16) * b_stride + k * 16 + v * W % 16);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const Reg av = V::set1(MRS > 0 ? a[k * MRS + r] : a[r * lda + k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = V::fmadd(av, bv[v], acc[r][v]);
    }
  }
  auto load = [&](const float* p, int v) {
    return v < NV - 1 || last_full ? V::loadu(p) : V::load_n(p, last);
  };
  if (bias) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const Reg bb = load(bias + v * W, v);
#pragma GCC unroll 16
      for (int r = 0; r < MR; ++r) acc[r][v] = V::add(acc[r][v], bb);
    }
  }
  if (src) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = V::add(acc[r][v], load(src + r * lds + v * W, v));
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      float* p = c + r * ldc + v * W;
      if (v < NV - 1 || last_full) {
        V::storeu(p, acc[r][v]);
      } else {
        V::store_n(p, acc[r][v], last);
      }
    }
  }
}

using UkernelFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                           const float*, int64_t, int, const float*);

// kUkernels<V, PACK_A, MR, NV>[mr - 1][nv - 1]: the micro-kernels of every edge tile.
template <class V, int MRS, int R, int... NVs>
constexpr std::array<UkernelFn, sizeof...(NVs)> ukernel_row(std::integer_sequence<int, NVs...>) {
  return {&gemm_ukernel<V, MRS, R, NVs + 1>...};
}
template <class V, int MRS, int NV, int... Rs>
constexpr std::array<std::array<UkernelFn, NV>, sizeof...(Rs)> ukernel_table(
    std::integer_sequence<int, Rs...>) {
  return {ukernel_row<V, MRS, Rs + 1>(std::make_integer_sequence<int, NV>{})...};
}
template <class V, bool PACK_A, int MR, int NV>
constexpr auto kUkernels = ukernel_table<V, PACK_A ? MR : 0, NV>(std::make_integer_sequence<int, MR>{});

// The post-pass over a block of C (rows × cols): C = act(C) + R. GELU, FAST and RES are
// compile-time so the loop body is branch-free. The GEMMs run it once per column panel of a
// block, over all the block's rows (still in L1 / L2), not per micro-tile: a tile's few vectors
// left GELU's ~60-cycle dependency chain exposed (perf, BERT-base int8 1x128 on the Zen 3: the
// post-pass's share of the run fell from 3.5% per tile to 2.0% per panel).
template <class V, bool GELU, bool FAST, bool RES>
void gemm_post(float* c, int64_t ldc, const float* res, int64_t ldr, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    float* cr = c + r * ldc;
    const float* rr = RES ? res + r * ldr : nullptr;
    map_vec<V>(cr, cr, cols, [&](typename V::Reg x, int64_t i, int n) {
      if constexpr (GELU) x = FAST ? gelu_fast<V>(x) : gelu_exact<V>(x);
      if constexpr (RES) x = V::add(x, n == V::kWidth ? V::loadu(rr + i) : V::load_n(rr + i, n));
      return x;
    });
  }
}

using PostFn = void (*)(float*, int64_t, const float*, int64_t, int, int);

template <class V>
PostFn gemm_post_fn(bool gelu, bool fast, bool res) {
  if (!gelu) return res ? &gemm_post<V, false, false, true> : nullptr;
  if (fast) return res ? &gemm_post<V, true, true, true> : &gemm_post<V, true, true, false>;
  return res ? &gemm_post<V, true, false, true> : &gemm_post<V, true, false, false>;
}

// `post` (nothing when null) over the rows [m0, m1) of the nl-column panel of C at column n.
inline void post_panel(PostFn post, const GemmOutput& g, int64_t m0, int64_t m1, int64_t n,
                       int nl) {
  if (!post) return;
  post(g.c + m0 * g.ldc + n, g.ldc, g.residual ? g.residual + m0 * g.ldr + n : nullptr, g.ldr,
       static_cast<int>(m1 - m0), nl);
}

// One vector of a C row in the int8 and bf16 kernels' epilogue: x, plus the residual at res
// when res is not null, stored to the `lanes` (1..V::kWidth) columns at c.
template <class V>
inline void store_lanes(float* c, const float* res, typename V::Reg x, int lanes) {
  const bool full = lanes == V::kWidth;
  if (res) x = V::add(x, full ? V::loadu(res) : V::load_n(res, lanes));
  if (full) {
    V::storeu(c, x);
  } else {
    V::store_n(c, x, lanes);
  }
}

// Transposes an 8 (rows) × 8 (k) block: src rows at stride lda -> dst[k * 8 + r] (dst 32-byte
// aligned). AVX only, so both ISAs can use it.
inline void transpose_8x8(const float* src, int64_t lda, float* dst) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lda);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {  // rows 0-3 (h = 0) and 4-7 (h = 4)
    r[h + 0] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 1] = _mm256_shuffle_ps(t[h + 0], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_store_ps(dst + i * 8, _mm256_permute2f128_ps(r[i], r[4 + i], 0x20));
    _mm256_store_ps(dst + (4 + i) * 8, _mm256_permute2f128_ps(r[i], r[4 + i], 0x31));
  }
}

// Packs micro-panels [i0, i1) of A: a_packed[(i * K + k) * MR + r] = A(i * MR + r, k), rows
// past M zero. a_packed is 64-byte aligned (driver scratch); with MR = 8 every 8-float row of a
// panel is 32-byte aligned, and full panels are transposed 8 × 8 at a time.
template <int MR>
void gemm_pack_a(const GemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K;
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t m0 = i * MR;
    const int rows = static_cast<int>(std::min<int64_t>(MR, g.M - m0));
    float* dst = const_cast<float*>(g.a_packed) + i * K * MR;
    const float* src = g.a + m0 * g.lda;
    int64_t k = 0;
    if constexpr (MR == 8) {
      if (rows == 8) {
        for (; k + 8 <= K; k += 8) transpose_8x8(src + k, g.lda, dst + k * 8);
      }
    }
    for (; k < K; ++k) {
      for (int r = 0; r < MR; ++r) dst[k * MR + r] = r < rows ? src[r * g.lda + k] : 0.0f;
    }
  }
}

// GemmIsaKernels::block: C rows [m0, m1) × columns [n0, n1), every K block, then the post-pass
// per column panel.
// A is read from its packed micro-panels (PACK_A) or in place.
template <class V, bool PACK_A, int MR, int NV>
void gemm_block(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  constexpr int W = V::kWidth, NR = NV * W;
  static_assert(NR % 16 == 0, "a micro-tile covers whole 16-column B panels");
  const int64_t K = g.K;
  const int64_t kc = g.kc;
  const int64_t nkb = K == 0 ? 1 : (K + kc - 1) / kc;
  const bool res = g.residual != nullptr;
  // The residual goes first (as the src of the first K block) when there is no activation;
  // else a post-pass after the last K block applies GELU, then adds it.
  const PostFn post_last = gemm_post_fn<V>(g.gelu, g.fast_math, res && !g.residual_first);
  for (int64_t kb = 0; kb < nkb; ++kb) {
    const int64_t k0 = kb * kc;
    const int64_t kl = std::min(kc, K - k0);
    const bool first = kb == 0, last = kb == nkb - 1;
    for (int64_t n = n0; n < n1; n += NR) {
      const int nl = static_cast<int>(std::min<int64_t>(NR, n1 - n));
      const int nv = (nl + W - 1) / W;
      const int tail = nl - (nv - 1) * W;
      const float* bias = first && g.bias ? g.bias + n : nullptr;
      const float* bp = g.b_packed + (n / 16) * K * 16 + k0 * 16;  // n: a multiple of NR
      for (int64_t m = m0; m < m1; m += MR) {
        const int ml = static_cast<int>(std::min<int64_t>(MR, m1 - m));
        float* c = g.c + m * g.ldc + n;
        const float* ap = K == 0 ? nullptr : PACK_A ? g.a_packed + (m / MR) * K * MR + k0 * MR : g.a + m * g.lda + k0;
        const float* r = res ? g.residual + m * g.ldr + n : nullptr;
        const float* src = !first ? c : g.residual_first ? r : nullptr;
        const int64_t lds = !first ? g.ldc : g.ldr;
        kUkernels<V, PACK_A, MR, NV>[ml - 1][nv - 1](kl, ap, g.lda, bp, K * 16, c, g.ldc, src, lds, tail, bias);
      }
      if (last) post_panel(post_last, g, m0, m1, n, nl);
    }
  }
}

// GemmIsaKernels::gelu: dst = GELU(src) with the epilogue's numerics.
template <class V>
void gemm_gelu_array(const float* src, float* dst, int64_t n, bool fast_math) {
  if (fast_math) {
    map_vec<V>(src, dst, n, [](typename V::Reg x, int64_t, int) { return gelu_fast<V>(x); });
  } else {
    map_vec<V>(src, dst, n, [](typename V::Reg x, int64_t, int) { return gelu_exact<V>(x); });
  }
}

// The GemmIsaKernels of one instantiation (K blocks of at most kc; A packed or read in place).
template <class V, bool PACK_A, int MR, int NV>
GemmIsaKernels gemm_isa_kernels(int64_t kc) {
  return {MR, NV * V::kWidth, kc, PACK_A ? &gemm_pack_a<MR> : nullptr, &gemm_block<V, PACK_A, MR, NV>,
          &gemm_gelu_array<V>};
}

}  // namespace
}  // namespace bertc::kernels::x86::gemm_detail
