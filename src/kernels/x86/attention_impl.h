// Shared template of the fused attention kernels (f32_attention_avx512 / _avx2), instantiated
// once per ISA with the vector type V. The algorithm and its contract are in kernels_x86.h.
// Include only from *_avx512.cc / *_avx2.cc after the simd header; internal linkage.
//
// Per task (one batch b, one head h, a range of query blocks), all in per-thread scratch:
//   Kp  K of the head in panels of kKeyRows keys: Kp[t][d][r] = K[t*kKeyRows + r][d] (keys past
//       seq are 0), so the score micro-kernel broadcasts kKeyRows consecutive floats per d.
//   Vp  V of the head, rows padded with zeros to Dp = head_dim rounded up to the vector width.
//   per query block of kQ = 2W queries starting at q0:
//   Qt  (scale Q)^T: Qt[d][i] = scale * Q[q0 + i][d] (queries past seq are 0).
//   Rr  (with a relative position bias or a window) the head's bias by distance, reversed:
//       Rr[t] = rel[h, d + R - 1] (0 without rel; -inf where |d| > window) for d = len - 1 - t,
//       |d| < len, else 0, so the biases of key j for queries q0 .. q0 + kQ - 1 are the
//       contiguous Rr[len - 1 - j + q0 ...].
//   Pt  (disentangled, with pos_query) Pt[j][r] = scale * K[j]·pos_query[h, rlo + r] for every key
//       and the position rows r its distances to the queries use (of rlo .. rhi, the sequence's),
//       once per task, in blocks of kQ rows: the score tiles with the position rows as queries.
//   Ct  (disentangled, with pos_key) per query block, Ct[r][i] = scale * Q[q0 + i]·pos_key[h, r +
//       blo] for the rows blo .. bhi the block uses: the score tiles with those rows as keys.
//   E   (disentangled) E[j][i] = Ct[r - blo][i] + Pt[j][r - rlo], r = pos_index[j - q0 - i + R - 1].
//   St  scores transposed, St[j][i] = Qt[:, i]·K[j] + bias[j] (+ rel, + E), for keys j < seq; then
//       exp(St - colmax) in place; 1/colsum in `inv`.
//   y[q0 + i, h*D + d] = inv[i] * sum_j St[j][i] Vp[j][d]
// With a window, a query block computes only the keys some of its queries can see (from a whole
// score tile at or before q0 - window to q0 + kQ - 1 + window); the others would weigh 0.
// K and Q are transposed in registers (V::transpose), 16×16 / 8×8 blocks at a time. With rotary
// tables, the head's Q and K rows are first rotated into scratch (Qr, Kr: [len, D]) and packed
// from there.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "cpu/thread_pool.h"
#include "kernels/x86/kernels_x86.h"
#include "kernels/x86/scratch.h"

namespace bertc::kernels::x86 {
namespace {

template <class V>
struct AttnTiles {
  static constexpr int W = V::kWidth;
  static constexpr bool kWide = V::kRegisters >= 32;
  static constexpr int kQ = 2 * W;                // queries per block (2 vectors per score row)
  static constexpr int kKeyRows = kWide ? 12 : 6;  // keys per score micro-tile: 24 / 12 accumulators
  static constexpr int kPvVecs = kWide ? 4 : 2;    // max head_dim vectors per P·V micro-tile
  // Query rows of a P·V micro-tile of C vectors: 16 / 16 / 24 / 16 accumulators (AVX-512), 8 / 12
  // (AVX2); and of the smaller tiles that share a block's rows with them (attn_pv_rows): on AVX2,
  // 16 = 6 + 5 + 5 rows of 2 vectors, 10-12 accumulators where 4-row tiles had 8, the FMA
  // latency's bare minimum (perf of attention_bench S=128 and 256, one thread: P·V's time fell
  // from 1.06x the score tiles' to 0.96x).
  static constexpr int pv_rows(int c) {
    if (kWide) return c == 1 ? 16 : c == 4 ? 4 : 8;
    return c == 1 ? 8 : 6;
  }
  static constexpr int pv_small_rows(int c) { return !kWide && c == 2 ? 5 : pv_rows(c); }
};

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Rotary embeddings of `rows` rows of one head (row stride ld), the row at position p of its
// sequence: out[p] = x·cos[p] + rotate_half(x)·sin[p], rotate_half(x) = (-x[D/2:], x[:D/2]);
// out is [rows, D]. The compiler vectorizes the two half-row loops.
inline void attn_rotate_rows(const float* x, int64_t ld, int64_t rows, int64_t D, const float* cos,
                             const float* sin, float* out) {
  const int64_t h = D / 2;
  for (int64_t p = 0; p < rows; ++p) {
    const float* xr = x + p * ld;
    const float* c = cos + p * D;
    const float* s = sin + p * D;
    float* o = out + p * D;
    for (int64_t d = 0; d < h; ++d) o[d] = xr[d] * c[d] - xr[d + h] * s[d];
    for (int64_t d = h; d < D; ++d) o[d] = xr[d] * c[d] + xr[d - h] * s[d];
  }
}

// Kp for keys [0, S) of one head (row stride ld in qkv).
template <class V>
[[gnu::noinline]] void attn_pack_k(const float* k, int64_t ld, int64_t S, int64_t D, float* kp) {
  using T = AttnTiles<V>;
  constexpr int W = T::W, R = T::kKeyRows;
  typename V::Reg r[W];
  for (int64_t j0 = 0; j0 < S; j0 += R) {
    const int rows = static_cast<int>(std::min<int64_t>(R, S - j0));
    float* tile = kp + j0 * D;
    for (int64_t d0 = 0; d0 < D; d0 += W) {
      const int dn = static_cast<int>(std::min<int64_t>(W, D - d0));
      for (int i = 0; i < W; ++i) {
        if (i >= rows) {
          r[i] = V::zero();
        } else {
          const float* src = k + (j0 + i) * ld + d0;
          r[i] = dn == W ? V::loadu(src) : V::load_n(src, dn);
        }
      }
      V::transpose(r);
      // Row d of the panel is R floats; each W-float store spills W - R zeros into the next
      // row, which the next store (increasing d) overwrites. The buffer has W floats of slack.
      for (int i = 0; i < dn; ++i) V::storeu(tile + (d0 + i) * R, r[i]);
    }
  }
}

// Vp rows [0, S): Dp floats each, zero-padded past D.
template <class V>
[[gnu::noinline]] void attn_pack_v(const float* v, int64_t ld, int64_t S, int64_t D, int64_t Dp, float* vp) {
  constexpr int W = V::kWidth;
  for (int64_t j = 0; j < S; ++j) {
    const float* src = v + j * ld;
    float* dst = vp + j * Dp;
    int64_t d = 0;
    for (; d + W <= D; d += W) V::store(dst + d, V::loadu(src + d));
    if (d < D) V::store(dst + d, V::load_n(src + d, static_cast<int>(D - d)));
  }
}

// Qt for `rows` queries starting at q (row stride ld), scaled.
template <class V>
[[gnu::noinline]] void attn_pack_q(const float* q, int64_t ld, int rows, int64_t D, float scale, float* qt) {
  using T = AttnTiles<V>;
  constexpr int W = T::W;
  const typename V::Reg vs = V::set1(scale);
  typename V::Reg r[W];
  for (int half = 0; half < T::kQ / W; ++half) {
    for (int64_t d0 = 0; d0 < D; d0 += W) {
      const int dn = static_cast<int>(std::min<int64_t>(W, D - d0));
      for (int i = 0; i < W; ++i) {
        const int row = half * W + i;
        if (row >= rows) {
          r[i] = V::zero();
        } else {
          const float* src = q + row * ld + d0;
          r[i] = dn == W ? V::loadu(src) : V::load_n(src, dn);
        }
      }
      V::transpose(r);
      for (int i = 0; i < dn; ++i) V::store(qt + (d0 + i) * T::kQ + half * W, V::mul(r[i], vs));
    }
  }
}

// One score micro-tile: St rows j0 .. j0 + valid - 1 (st points at row j0) from the Kp panel
// `kp` and Qt; adds bias[r] (bias points at key j0; may be null), the distance biases of
// row r, rel - r .. rel - r + kQ - 1 (rel points at Rr[len - 1 - j0 + q0]; may be null) and row
// r of `extra` (kQ floats a row; points at E's row j0; may be null), and folds the rows into the
// column maxima mx[0..1].
template <class V>
[[gnu::noinline]] void attn_score_tile(int64_t D, const float* __restrict kp, const float* __restrict qt,
                     float* __restrict st, const float* bias, const float* rel, const float* extra, int valid,
                     typename V::Reg* mx) {
  using T = AttnTiles<V>;
  using Reg = typename V::Reg;
  constexpr int W = T::W, R = T::kKeyRows, Q = T::kQ;
  Reg acc[R][2];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = V::zero();
  for (int64_t d = 0; d < D; ++d) {
    const Reg q0 = V::load(qt + d * Q), q1 = V::load(qt + d * Q + W);
    const float* kd = kp + d * R;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const Reg kv = V::set1(kd[r]);
      acc[r][0] = V::fmadd(kv, q0, acc[r][0]);
      acc[r][1] = V::fmadd(kv, q1, acc[r][1]);
    }
  }
  Reg m0 = mx[0], m1 = mx[1];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    if (r >= valid) break;
    Reg s0 = acc[r][0], s1 = acc[r][1];
    if (bias) {
      const Reg b = V::set1(bias[r]);
      s0 = V::add(s0, b);
      s1 = V::add(s1, b);
    }
    if (rel) {
      s0 = V::add(s0, V::loadu(rel - r));
      s1 = V::add(s1, V::loadu(rel - r + W));
    }
    if (extra) {
      s0 = V::add(s0, V::load(extra + r * Q));
      s1 = V::add(s1, V::load(extra + r * Q + W));
    }
    V::store(st + r * Q, s0);
    V::store(st + r * Q + W, s1);
    m0 = V::max(s0, m0);
    m1 = V::max(s1, m1);
  }
  mx[0] = m0;
  mx[1] = m1;
}

// St[j] = exp(St[j] - mx) for keys j < S, and inv = 1 / column sums. kFix: some column's
// maximum is -inf (every key masked with -inf): its scores count as 0, i.e. uniform weights.
template <class V, bool kFast, bool kFix>
[[gnu::noinline]] void attn_softmax_cols(float* st, int64_t S, const typename V::Reg* mx, float* inv) {
  using T = AttnTiles<V>;
  using Reg = typename V::Reg;
  constexpr int W = T::W, Q = T::kQ;
  const Reg m0 = mx[0], m1 = mx[1];
  Reg s0 = V::zero(), s1 = V::zero();
  for (int64_t j = 0; j < S; ++j) {
    float* row = st + j * Q;
    Reg x0 = V::sub(V::load(row), m0), x1 = V::sub(V::load(row + W), m1);
    if constexpr (kFix) {
      x0 = V::select_neg_inf(m0, x0, V::zero());
      x1 = V::select_neg_inf(m1, x1, V::zero());
    }
    const Reg e0 = V::template exp<kFast>(x0), e1 = V::template exp<kFast>(x1);
    V::store(row, e0);
    V::store(row + W, e1);
    s0 = V::add(s0, e0);
    s1 = V::add(s1, e1);
  }
  const Reg one = V::set1(1.0f);
  V::store(inv, V::div(one, s0));
  V::store(inv + W, V::div(one, s1));
}

// One P·V micro-tile: y rows i0 .. i0 + valid - 1 (pt = St + i0, inv + i0, y at row i0 and
// column d0; vp = Vp + d0), C vectors of head_dim, the last one `last` lanes wide.
template <class V, int R, int C>
[[gnu::noinline]] void attn_pv_tile(int64_t S, const float* __restrict pt, const float* __restrict vp, int64_t Dp,
                  const float* inv, float* __restrict y, int64_t ldy, int valid, int last) {
  using T = AttnTiles<V>;
  using Reg = typename V::Reg;
  constexpr int W = T::W, Q = T::kQ;
  Reg acc[R][C];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) acc[r][c] = V::zero();
  }
  for (int64_t j = 0; j < S; ++j) {
    Reg v[C];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) v[c] = V::load(vp + j * Dp + c * W);
    const float* p = pt + j * Q;
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const Reg pr = V::set1(p[r]);
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) acc[r][c] = V::fmadd(pr, v[c], acc[r][c]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    if (r >= valid) break;
    const Reg s = V::set1(inv[r]);
    float* dst = y + r * ldy;
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const Reg out = V::mul(acc[r][c], s);
      if (c == C - 1 && last < W) {
        V::store_n(dst + c * W, out, last);
      } else {
        V::storeu(dst + c * W, out);
      }
    }
  }
}

template <class V, int C>
void attn_pv_rows(int64_t S, const float* st, const float* vp, int64_t Dp, const float* inv,
                  float* y, int64_t ldy, int rows, int last) {
  // ceil(rows / R) tiles: the first `big` of R rows, the others of Rs (the last one partial when
  // Rs tiles overshoot; it reads at most Rs rows past i0, all within the block's kQ).
  constexpr int R = AttnTiles<V>::pv_rows(C), Rs = AttnTiles<V>::pv_small_rows(C);
  static_assert(Rs == R || Rs == R - 1, "then `big` <= tiles and the tiles cover exactly `rows`");
  const int tiles = (rows + R - 1) / R;
  const int big = std::max(0, rows - Rs * tiles);
  for (int t = 0, i0 = 0; t < tiles; ++t) {
    if (t < big) {
      attn_pv_tile<V, R, C>(S, st + i0, vp, Dp, inv + i0, y + i0 * ldy, ldy, R, last);
      i0 += R;
    } else {
      attn_pv_tile<V, Rs, C>(S, st + i0, vp, Dp, inv + i0, y + i0 * ldy, ldy, std::min(Rs, rows - i0),
                             last);
      i0 += Rs;
    }
  }
}

template <class V>
void attention(const AttentionArgs& g, cpu::ThreadPool* pool) {
  using T = AttnTiles<V>;
  using Reg = typename V::Reg;
  constexpr int W = T::W, Q = T::kQ, KR = T::kKeyRows;
  const int64_t B = g.batch, S = g.seq, NH = g.heads, D = g.head_dim;
  if (B <= 0 || S <= 0 || NH <= 0 || D <= 0) return;
  const int64_t HD = NH * D, ld = 3 * HD;
  const int64_t Dp = round_up(D, W);
  const int64_t Sk = round_up(S, KR);  // keys padded to whole score tiles

  // Scratch layout (floats, each part a multiple of 16 so every part is 64-byte aligned).
  const int64_t kp_size = round_up(Sk * D + W, 16);
  const int64_t vp_size = round_up(S * Dp, 16);
  const int64_t qt_size = round_up(D * Q, 16);
  const int64_t st_size = round_up(Sk * Q + Q, 16);
  const bool by_distance = g.rel || g.window > 0;
  const int64_t rr_size = by_distance ? round_up(2 * S + Q, 16) : 0;
  const int64_t rot_size = g.cos ? round_up(S * D, 16) : 0;  // each of Qr and Kr
  // Disentangled attention: the rows a sequence or a query block uses span at most all P of
  // them (few for the tables DeBERTa makes, which grow with the distance; any for others).
  const bool disentangled = g.pos_index != nullptr;
  const int64_t rows_max = g.pos_rows;
  const int64_t pkp_size = disentangled && g.pos_key ? round_up(round_up(rows_max, KR) * D + W, 16) : 0;
  const int64_t ct_size = disentangled && g.pos_key ? round_up(round_up(rows_max, KR) * Q + Q, 16) : 0;
  const int64_t pt_size = disentangled && g.pos_query ? round_up((rows_max + Q - 1) / Q * Sk * Q, 16) : 0;
  const int64_t e_size = disentangled ? st_size : 0;
  const int64_t scratch = kp_size + vp_size + qt_size + st_size + rr_size + 2 * rot_size + pkp_size + ct_size +
                          pt_size + e_size + round_up(Q, 16);

  // Tasks: (b, h) pairs × chunks of query blocks; enough tasks for ~4 per thread.
  const int threads = pool ? pool->num_threads() : 1;
  const int64_t blocks = (S + Q - 1) / Q;
  const int64_t pairs = B * NH;
  int64_t chunks = 1;
  if (threads > 1 && pairs < 4 * threads) chunks = std::min(blocks, (4 * threads + pairs - 1) / pairs);
  const int64_t per_chunk = (blocks + chunks - 1) / chunks;
  chunks = (blocks + per_chunk - 1) / per_chunk;

  auto task = [&](int64_t t, int) {
    const int64_t pair = t / chunks, chunk = t % chunks;
    const int64_t b = pair / NH, h = pair % NH;
    const int64_t row0 = g.offsets ? g.offsets[b] : b * S;
    const int64_t len = g.offsets ? g.offsets[b + 1] - row0 : S;  // this sequence's length
    const int64_t blk1 = std::min((len + Q - 1) / Q, (chunk + 1) * per_chunk);
    if (chunk * per_chunk >= blk1) return;
    float* kp = thread_scratch_floats(scratch);
    float* vp = kp + kp_size;
    float* qt = vp + vp_size;
    float* st = qt + qt_size;
    float* rr = st + st_size;
    float* qr = rr + rr_size;
    float* kr = qr + rot_size;
    float* pkp = kr + rot_size;
    float* ct = pkp + pkp_size;
    float* pt = ct + ct_size;
    float* e = pt + pt_size;
    float* inv = e + e_size;
    const float* base = g.qkv + row0 * ld + h * D;
    const float* bias = g.bias ? g.bias + b * S : nullptr;
    // Q and K rows of the head: in place, or rotated into Qr / Kr.
    const float* q_rows = base;
    const float* k_rows = base + HD;
    int64_t q_ld = ld, k_ld = ld;
    if (g.cos) {  // every key; the queries of this task's blocks only
      const int64_t q_begin = chunk * per_chunk * Q, q_end = std::min(len, blk1 * Q);
      attn_rotate_rows(base + q_begin * ld, ld, q_end - q_begin, D, g.cos + q_begin * D, g.sin + q_begin * D,
                       qr + q_begin * D);
      attn_rotate_rows(base + HD, ld, len, D, g.cos, g.sin, kr);
      q_rows = qr;
      k_rows = kr;
      q_ld = k_ld = D;
    }
    if (by_distance) {
      const float* rel = g.rel ? g.rel + (g.rel_heads == 1 ? 0 : h) * (2 * g.rel_span - 1) + g.rel_span - 1
                               : nullptr;  // at distance 0
      for (int64_t t = 0; t < 2 * len + Q; ++t) {
        const int64_t d = len - 1 - t;
        rr[t] = d <= -len ? 0.0f
                : g.window > 0 && (d > g.window || d < -g.window) ? -__builtin_inff()
                : rel ? rel[d] : 0.0f;
      }
    }
    attn_pack_k<V>(k_rows, k_ld, len, D, kp);
    attn_pack_v<V>(base + 2 * HD, ld, len, D, Dp, vp);
    // Disentangled attention: the rows [rlo, rhi] the sequence's distances use, and Pt.
    const int64_t* index = disentangled ? g.pos_index + g.pos_span - 1 : nullptr;  // at j - i = 0
    auto row_range = [&](int64_t d_lo, int64_t d_hi) {  // min / max of index[d], d_lo <= d <= d_hi
      int64_t lo = index[d_lo], hi = index[d_lo];
      for (int64_t d = d_lo + 1; d <= d_hi; ++d) lo = std::min(lo, index[d]), hi = std::max(hi, index[d]);
      return std::pair<int64_t, int64_t>{lo, hi};
    };
    int64_t rlo = 0;
    if (disentangled) {
      const auto [lo, hi] = row_range(-(len - 1), len - 1);
      rlo = lo;
      if (g.pos_query) {
        // Each key tile needs the rows of its keys' distances to every query, [j0 - len + 1,
        // j0 + KR - 1]: about half of [rlo, rhi] for DeBERTa's tables; only those blocks are made.
        std::vector<std::pair<int64_t, int64_t>> tile_rows;
        for (int64_t j0 = 0; j0 < len; j0 += KR) {
          tile_rows.push_back(row_range(j0 - (len - 1), std::min<int64_t>(j0 + KR, len) - 1));
        }
        const float* pq = g.pos_query + (h * g.pos_rows + lo) * D;
        Reg unused[2] = {V::zero(), V::zero()};
        for (int64_t r0 = 0; r0 <= hi - lo; r0 += Q) {
          const int n = static_cast<int>(std::min<int64_t>(Q, hi - lo + 1 - r0));
          attn_pack_q<V>(pq + r0 * D, D, n, D, g.scale, qt);
          for (int64_t j0 = 0; j0 < len; j0 += KR) {
            const auto [tlo, thi] = tile_rows[static_cast<size_t>(j0 / KR)];
            if (thi < lo + r0 || tlo >= lo + r0 + n) continue;  // no row of this block
            attn_score_tile<V>(D, kp + j0 * D, qt, pt + r0 * Sk + j0 * Q, nullptr, nullptr, nullptr,
                               static_cast<int>(std::min<int64_t>(KR, len - j0)), unused);
          }
        }
      }
    }
    for (int64_t blk = chunk * per_chunk; blk < blk1; ++blk) {
      const int64_t q0 = blk * Q;
      const int rows = static_cast<int>(std::min<int64_t>(Q, len - q0));
      attn_pack_q<V>(q_rows + q0 * q_ld, q_ld, rows, D, g.scale, qt);
      // Keys [j_lo, j_hi): all of them, or with a window only those some query of the block
      // can see (j_lo a whole score tile, the Kp panels' unit); the others weigh exactly 0.
      int64_t j_lo = 0, j_hi = len;
      if (g.window > 0) {
        j_lo = q0 > g.window ? (q0 - g.window) / KR * KR : 0;
        j_hi = std::min<int64_t>(len, q0 + rows + g.window);
      }
      const int64_t keys = j_hi - j_lo;
      float* sk = st + j_lo * Q;  // St rows of keys j_lo ..
      if (disentangled) {  // E for keys [j_lo, j_hi) and the block's queries
        const auto [blo, bhi] = row_range(j_lo - (q0 + rows - 1), j_hi - 1 - q0);
        if (g.pos_key) {
          attn_pack_k<V>(g.pos_key + (h * g.pos_rows + blo) * D, D, bhi - blo + 1, D, pkp);
          Reg unused[2] = {V::zero(), V::zero()};
          for (int64_t r0 = 0; r0 <= bhi - blo; r0 += KR) {
            attn_score_tile<V>(D, pkp + r0 * D, qt, ct + r0 * Q, nullptr, nullptr, nullptr,
                               static_cast<int>(std::min<int64_t>(KR, bhi - blo + 1 - r0)), unused);
          }
        }
        for (int64_t j = j_lo; j < j_hi; ++j) {
          float* er = e + j * Q;
          for (int i = 0; i < rows; ++i) {
            const int64_t r = index[j - q0 - i];
            float v = 0.0f;
            if (g.pos_key) v += ct[(r - blo) * Q + i];
            if (g.pos_query) v += pt[(r - rlo) / Q * Sk * Q + j * Q + (r - rlo) % Q];
            er[i] = v;
          }
          for (int i = rows; i < Q; ++i) er[i] = 0.0f;
        }
      }
      Reg mx[2] = {V::set1(-__builtin_inff()), V::set1(-__builtin_inff())};
      for (int64_t j0 = j_lo; j0 < j_hi; j0 += KR) {
        attn_score_tile<V>(D, kp + j0 * D, qt, st + j0 * Q, bias ? bias + j0 : nullptr,
                           by_distance ? rr + (len - 1 - j0 + q0) : nullptr, disentangled ? e + j0 * Q : nullptr,
                           static_cast<int>(std::min<int64_t>(KR, j_hi - j0)), mx);
      }
      const bool fix = V::any_neg_inf(mx[0]) || V::any_neg_inf(mx[1]);
      if (g.fast_math) {
        fix ? attn_softmax_cols<V, true, true>(sk, keys, mx, inv)
            : attn_softmax_cols<V, true, false>(sk, keys, mx, inv);
      } else {
        fix ? attn_softmax_cols<V, false, true>(sk, keys, mx, inv)
            : attn_softmax_cols<V, false, false>(sk, keys, mx, inv);
      }
      const float* vk = vp + j_lo * Dp;  // Vp rows of keys j_lo ..
      float* y = g.y + (row0 + q0) * HD + h * D;
      for (int64_t d0 = 0; d0 < D; d0 += T::kPvVecs * W) {
        const int64_t dn = std::min<int64_t>(T::kPvVecs * W, D - d0);
        const int nvec = static_cast<int>((dn + W - 1) / W);
        const int last = static_cast<int>(dn - (nvec - 1) * W);
        switch (nvec) {
          case 1: attn_pv_rows<V, 1>(keys, sk, vk + d0, Dp, inv, y + d0, HD, rows, last); break;
          case 2: attn_pv_rows<V, 2>(keys, sk, vk + d0, Dp, inv, y + d0, HD, rows, last); break;
          case 3:
            if constexpr (T::kPvVecs >= 3) attn_pv_rows<V, 3>(keys, sk, vk + d0, Dp, inv, y + d0, HD, rows, last);
            break;
          case 4:
            if constexpr (T::kPvVecs >= 4) attn_pv_rows<V, 4>(keys, sk, vk + d0, Dp, inv, y + d0, HD, rows, last);
            break;
        }
      }
    }
  };
  const int64_t tasks = pairs * chunks;
  if (threads > 1 && tasks > 1) {
    pool->parallel_for(tasks, task);
  } else {
    for (int64_t t = 0; t < tasks; ++t) task(t, 0);
  }
}

}  // namespace
}  // namespace bertc::kernels::x86
