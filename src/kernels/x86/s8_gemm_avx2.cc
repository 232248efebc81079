// AVX2 int8 GEMM (compiled with -mavx2 -mfma): exact integer sums with vpmaddubsw. It multiplies
// the activations' uint8 values q with four int8 weights per column and adds adjacent products
// in int16 — exact, since |Wq| <= 64 makes every pair sum at most 2 · 255 · 64 = 32,640
// (ir/int8_quantization.h; ONNX Runtime's AVX2 kernel lets full-range weights saturate there);
// vpmaddwd with ones then adds the pairs into int32 lanes. On the Zen 3 this was written on,
// vpmaddubsw issues twice per cycle and vpmaddwd once (measured): 32 products per cycle, twice
// what a vpmaddwd-only kernel on int16 values reaches (and fp32's FMA peak).
//
// Micro-tile 6 rows × 16 columns (one B panel): 12 int32 accumulators + 2 B vectors + the
// broadcast quad and a scratch fill the 16 ymm registers. The epilogue subtracts the zero point
// times the column sums (the centered sum), dequantizes and adds the bias in one fma (float(S) ·
// (scale_m · scale_n) + bias), and adds a residual that needs no activation first; GELU (and a
// residual after it) is gemm_impl.h's post-pass, so the float numerics are the f32 GEMM's.
#include "ir/int8_quantization.h"
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

constexpr int kMr = 6;

// Micro-panels [i0, i1) of A: per row, its range and parameters, then its uint8 values, 8 at a
// time, packed to bytes and spread as two quads to the panel's k-quad rows.
void quantize_a(const QGemmArgs& g, int64_t i0, int64_t i1) {
  const int64_t K = g.K, K4 = g.K4;
  for (int64_t i = i0; i < i1; ++i) {
    int32_t* dst = g.a_packed + i * K4 * kMr;
    for (int r = 0; r < kMr; ++r) {
      const int64_t m = i * kMr + r;
      if (m >= g.M) {
        for (int64_t kq = 0; kq < K4; ++kq) dst[kq * kMr + r] = 0;
        g.a_scales[m] = 0.0f;
        g.a_zero[m] = 0;
        continue;
      }
      const float* x = g.a + m * g.lda;
      const float* c = g.smooth;
      // Row m's values, smoothed: A(m, k) · c[k] (lanes past K read as 0).
      auto load = [&](int64_t k) {
        const int n = static_cast<int>(std::min<int64_t>(8, K - k));
        const __m256 v = n == 8 ? _mm256_loadu_ps(x + k) : V256::load_n(x + k, n);
        return c ? _mm256_mul_ps(v, n == 8 ? _mm256_loadu_ps(c + k) : V256::load_n(c + k, n)) : v;
      };
      __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
      for (int64_t k = 0; k < K; k += 8) {  // lanes past K read as 0, which the range includes anyway
        const __m256 v = load(k);
        lo = _mm256_min_ps(lo, v);
        hi = _mm256_max_ps(hi, v);
      }
      const ir::RowQuantization q = ir::row_quantization(V256::reduce_min(lo), V256::reduce_max(hi));
      g.a_scales[m] = q.scale;
      g.a_zero[m] = q.zero_point;
      const __m256 inv = _mm256_set1_ps(q.inv_scale);
      const __m256 top = _mm256_set1_ps(512.0f), bottom = _mm256_set1_ps(-512.0f);
      const __m256i zp = _mm256_set1_epi32(q.zero_point);
      for (int64_t k = 0; k < K; k += 8) {
        __m256 p = _mm256_min_ps(_mm256_mul_ps(load(k), inv), top);  // NaN -> 512, as the scalar rule
        p = _mm256_max_ps(p, bottom);
        // q = clamp(round(p) + z, 0, 255): the saturating packs clamp (to int16, then to uint8).
        const __m256i iv = _mm256_add_epi32(_mm256_cvtps_epi32(p), zp);
        const __m256i w16 = _mm256_packs_epi32(iv, iv);       // [v0..3 v0..3 | v4..7 v4..7]
        const __m256i b8 = _mm256_packus_epi16(w16, w16);     // dword 0: v0..3, dword 4: v4..7
        // Bytes past K (q of 0, i.e. z) meet the weights' zero padding: they add nothing.
        int32_t* out = dst + (k / 4) * kMr + r;
        out[0] = _mm256_extract_epi32(b8, 0);
        if (k / 4 + 1 < K4) out[kMr] = _mm256_extract_epi32(b8, 4);
      }
    }
  }
}

// One 6 × 16 tile's sums over k4 quads: acc[r][v] (int32) = sum over k of q(row r, k) · Wq(k,
// column 8v + j), from the A micro-panel ap (6 quads per k-quad) and the B panel bp (64 bytes per
// k-quad). Written in assembly because GCC, given the same intrinsics, issues every vpmaddubsw
// of a k-quad before the vpmaddwd that consume them and spills accumulators to the stack (a
// third slower). Per row: broadcast its quad, vpmaddubsw with both 8-column halves of B read
// from memory, vpmaddwd with int16 ones, add: 12 accumulators, the ones and 3 temporaries in
// the 16 ymm registers.
#define BERTC_S8_ROW(off, ca, cb)                   \
  "vpbroadcastd " #off "(%[a]), %%ymm13\n\t"        \
  "vpmaddubsw (%[b]), %%ymm13, %%ymm14\n\t"         \
  "vpmaddubsw 32(%[b]), %%ymm13, %%ymm15\n\t"       \
  "vpmaddwd %%ymm12, %%ymm14, %%ymm14\n\t"           \
  "vpmaddwd %%ymm12, %%ymm15, %%ymm15\n\t"           \
  "vpaddd %%ymm14, %t[" #ca "], %t[" #ca "]\n\t"    \
  "vpaddd %%ymm15, %t[" #cb "], %t[" #cb "]\n\t"

void sums_6x16(int64_t k4, const int32_t* ap, const int8_t* bp, __m256i (&acc)[kMr][2]) {
  static_assert(kMr == 6, "the assembly below is written for 6 rows");
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0,
          c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  if (k4 > 0) {
    __asm__ volatile(
        "vpcmpeqw %%ymm12, %%ymm12, %%ymm12\n\t"  // int16 ones: all bits set, then their absolute value
        "vpabsw %%ymm12, %%ymm12\n\t"
        "1:\n\t"
        BERTC_S8_ROW(0, c0, c1) BERTC_S8_ROW(4, c2, c3) BERTC_S8_ROW(8, c4, c5)
        BERTC_S8_ROW(12, c6, c7) BERTC_S8_ROW(16, c8, c9) BERTC_S8_ROW(20, c10, c11)
        "add $24, %[a]\n\t"
        "add $64, %[b]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4), [c5] "+x"(c5),
          [c6] "+x"(c6), [c7] "+x"(c7), [c8] "+x"(c8), [c9] "+x"(c9), [c10] "+x"(c10), [c11] "+x"(c11),
          [a] "+r"(ap), [b] "+r"(bp), [n] "+r"(k4)
        :
        : "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
  }
  acc[0][0] = c0, acc[0][1] = c1, acc[1][0] = c2, acc[1][1] = c3, acc[2][0] = c4, acc[2][1] = c5;
  acc[3][0] = c6, acc[3][1] = c7, acc[4][0] = c8, acc[4][1] = c9, acc[5][0] = c10, acc[5][1] = c11;
}

#undef BERTC_S8_ROW

// The 6 × 16 tile at (m, n): sums over all K, then the epilogue for its ml rows and nl columns.
void tile(const QGemmArgs& g, int64_t m, int ml, int64_t n, int nl, const __m256 (&ws)[2],
          const __m256 (&bias)[2], const __m256i (&sums)[2], bool residual_first) {
  const int32_t* __restrict ap = g.a_packed + (m / kMr) * g.K4 * kMr;
  const int8_t* __restrict bp = g.b_packed + (n / 16) * g.K4 * 64;
  __m256i acc[kMr][2];
  sums_6x16(g.K4, ap, bp, acc);
  const int n0 = std::min(nl, 8), n1 = nl - n0;
#pragma GCC unroll 6
  for (int r = 0; r < kMr; ++r) {
    if (r >= ml) break;
    const __m256 as = _mm256_set1_ps(g.a_scales[m + r]);
    const __m256i z = _mm256_set1_epi32(g.a_zero[m + r]);
    float* c = g.c + (m + r) * g.ldc + n;
    const float* res = residual_first ? g.residual + (m + r) * g.ldr + n : nullptr;
    for (int v = 0; v < 2; ++v) {
      const int lanes = v == 0 ? n0 : n1;
      if (lanes == 0) break;
      const __m256i centered = _mm256_sub_epi32(acc[r][v], _mm256_mullo_epi32(z, sums[v]));
      __m256 x = _mm256_fmadd_ps(_mm256_cvtepi32_ps(centered), _mm256_mul_ps(as, ws[v]), bias[v]);
      if (res) x = _mm256_add_ps(x, lanes == 8 ? _mm256_loadu_ps(res + 8 * v) : V256::load_n(res + 8 * v, lanes));
      if (lanes == 8) {
        _mm256_storeu_ps(c + 8 * v, x);
      } else {
        V256::store_n(c + 8 * v, x, lanes);
      }
    }
  }
}

void block(const QGemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const bool residual_first = g.residual && !g.gelu;
  const gemm_detail::PostFn post = gemm_detail::gemm_post_fn<V256>(g.gelu, g.fast_math, g.residual && g.gelu);
  for (int64_t n = n0; n < n1; n += 16) {
    const int nl = static_cast<int>(std::min<int64_t>(16, n1 - n));
    __m256 ws[2], bias[2];
    __m256i sums[2];
    for (int v = 0; v < 2; ++v) {
      const int lanes = std::clamp(nl - 8 * v, 0, 8);
      ws[v] = V256::load_n(g.b_scales + n + 8 * v, lanes);
      bias[v] = g.bias ? V256::load_n(g.bias + n + 8 * v, lanes) : _mm256_setzero_ps();
      sums[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(g.b_sums) + (n + 8 * v) / 8);  // padded to 16
    }
    for (int64_t m = m0; m < m1; m += kMr) {
      const int ml = static_cast<int>(std::min<int64_t>(kMr, m1 - m));
      tile(g, m, ml, n, nl, ws, bias, sums, residual_first);
      if (post) post(g.c + m * g.ldc + n, g.ldc, g.residual ? g.residual + m * g.ldr + n : nullptr, g.ldr, ml, nl);
    }
  }
}

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avx2() {
  static const QGemmIsaKernels kernels{kMr, &quantize_a, &block};
  return kernels;
}

}  // namespace bertc::kernels::x86::qgemm_detail
