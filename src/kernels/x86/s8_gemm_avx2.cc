// AVX2 int8 GEMM (compiled with -mavx2 -mfma): exact integer sums with vpmaddubsw. It multiplies
// the activations' 7-bit values q with four int8 weights per column and adds adjacent products
// in int16, adds the pair sums of two consecutive k-quads with vpaddw, and widens them into int32
// lanes with one vpmaddwd (with ones): exact, since q <= 127 and |Wq| <= 64 keep the four
// products of a lane at most 4 · 127 · 64 = 32,512 (ir/int8_quantization.h; ONNX Runtime's AVX2
// kernel lets full-range weights saturate at the pair). On the Zen 3 this was written on,
// vpmaddubsw issues twice per cycle and vpmaddwd once (measured), so one vpmaddwd per eight
// products instead of four is what pays: this kernel runs 1.35x the one-quad-per-vpmaddwd kernel
// it replaced (gemm_bench int8_avx2, one thread: 183-213% of the fp32 peak against 140-160%).
//
// Micro-tile 3 rows × 16 columns (one B panel): 6 int32 accumulators, B's four vectors of a
// k-quad pair (loaded once per pair, reused by the 3 rows), the int16 ones, a row's two broadcast
// quads and three scratch registers fill the 16 ymm registers; with 6 rows and B read from
// memory per row (the other way to fit), the loads were the bottleneck and it ran slower than
// the kernel it replaced. An odd last k-quad takes the one-quad step. The epilogue subtracts the
// zero point times the column sums (the centered sum), dequantizes and adds the bias in one fma
// (float(S) · (scale_m · scale_n) + bias), and adds a residual that needs no activation first;
// GELU (and a residual after it) is gemm_impl.h's post-pass, so the float numerics are the f32
// GEMM's.
#include "ir/int8_quantization.h"
#include "kernels/x86/gemm_impl.h"
#include "kernels/x86/qgemm_internal.h"
#include "kernels/x86/simd_avx2.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

constexpr int kMr = 3;

// Micro-panels [i0, i1) of A: per row, its range and parameters, then its 7-bit values, 8 at a
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
      const __m256i top_q = _mm256_set1_epi8(static_cast<char>(ir::kActivationMax));
      for (int64_t k = 0; k < K; k += 8) {
        __m256 p = _mm256_min_ps(_mm256_mul_ps(load(k), inv), top);  // NaN -> 512, as the scalar rule
        p = _mm256_max_ps(p, bottom);
        // q = clamp(round(p) + z, 0, 127): the saturating packs clamp (to int16, then to
        // [0, 255]), then the unsigned min.
        const __m256i iv = _mm256_add_epi32(_mm256_cvtps_epi32(p), zp);
        const __m256i w16 = _mm256_packs_epi32(iv, iv);       // [v0..3 v0..3 | v4..7 v4..7]
        const __m256i b8 = _mm256_min_epu8(_mm256_packus_epi16(w16, w16), top_q);  // dword 0: v0..3, dword 4: v4..7
        // Bytes past K (q of 0, i.e. z) meet the weights' zero padding: they add nothing.
        int32_t* out = dst + (k / 4) * kMr + r;
        out[0] = _mm256_extract_epi32(b8, 0);
        if (k / 4 + 1 < K4) out[kMr] = _mm256_extract_epi32(b8, 4);
      }
    }
  }
}

// One 3 × 16 tile's sums over k4 quads: acc[r][v] (int32) = sum over k of q(row r, k) · Wq(k,
// column 8v + j), from the A micro-panel ap (3 quads per k-quad) and the B panel bp (64 bytes per
// k-quad). Per k-quad pair, B's four vectors (two quads × two 8-column halves) are loaded into
// ymm6-9 once; per row, its two quads are broadcast, each multiplied with its quad's halves
// (vpmaddubsw), the two quads' pair sums added (vpaddw), widened with the int16 ones in ymm10
// (vpmaddwd) and added to the row's accumulators.
#define BERTC_S8_ROW_PAIR(off, ca, cb)              \
  "vpbroadcastd " #off "(%[a]), %%ymm11\n\t"        \
  "vpbroadcastd 12+" #off "(%[a]), %%ymm12\n\t"     \
  "vpmaddubsw %%ymm6, %%ymm11, %%ymm13\n\t"         \
  "vpmaddubsw %%ymm8, %%ymm12, %%ymm15\n\t"         \
  "vpaddw %%ymm15, %%ymm13, %%ymm13\n\t"            \
  "vpmaddubsw %%ymm7, %%ymm11, %%ymm14\n\t"         \
  "vpmaddubsw %%ymm9, %%ymm12, %%ymm15\n\t"         \
  "vpaddw %%ymm15, %%ymm14, %%ymm14\n\t"            \
  "vpmaddwd %%ymm10, %%ymm13, %%ymm13\n\t"          \
  "vpmaddwd %%ymm10, %%ymm14, %%ymm14\n\t"          \
  "vpaddd %%ymm13, %t[" #ca "], %t[" #ca "]\n\t"    \
  "vpaddd %%ymm14, %t[" #cb "], %t[" #cb "]\n\t"
// The one-quad step (an odd last k-quad), B's halves in ymm6-7.
#define BERTC_S8_ROW(off, ca, cb)                   \
  "vpbroadcastd " #off "(%[a]), %%ymm11\n\t"        \
  "vpmaddubsw %%ymm6, %%ymm11, %%ymm13\n\t"         \
  "vpmaddubsw %%ymm7, %%ymm11, %%ymm14\n\t"         \
  "vpmaddwd %%ymm10, %%ymm13, %%ymm13\n\t"          \
  "vpmaddwd %%ymm10, %%ymm14, %%ymm14\n\t"          \
  "vpaddd %%ymm13, %t[" #ca "], %t[" #ca "]\n\t"    \
  "vpaddd %%ymm14, %t[" #cb "], %t[" #cb "]\n\t"

void sums_3x16(int64_t k4, const int32_t* ap, const int8_t* bp, __m256i (&acc)[kMr][2]) {
  static_assert(kMr == 3, "the assembly below is written for 3 rows");
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  int64_t pairs = k4 / 2;
  __asm__ volatile(
      "vpcmpeqw %%ymm10, %%ymm10, %%ymm10\n\t"  // int16 ones: all bits set, then their absolute value
      "vpabsw %%ymm10, %%ymm10\n\t"
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[b]), %%ymm6\n\t"
      "vmovdqu 32(%[b]), %%ymm7\n\t"
      "vmovdqu 64(%[b]), %%ymm8\n\t"
      "vmovdqu 96(%[b]), %%ymm9\n\t"
      BERTC_S8_ROW_PAIR(0, c0, c1) BERTC_S8_ROW_PAIR(4, c2, c3) BERTC_S8_ROW_PAIR(8, c4, c5)
      "add $24, %[a]\n\t"
      "add $128, %[b]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[odd], %[odd]\n\t"
      "jz 3f\n\t"
      "vmovdqu (%[b]), %%ymm6\n\t"
      "vmovdqu 32(%[b]), %%ymm7\n\t"
      BERTC_S8_ROW(0, c0, c1) BERTC_S8_ROW(4, c2, c3) BERTC_S8_ROW(8, c4, c5)
      "3:\n\t"
      : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4), [c5] "+x"(c5),
        [a] "+r"(ap), [b] "+r"(bp), [n] "+r"(pairs)
      : [odd] "r"(k4 % 2)
      : "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
  acc[0][0] = c0, acc[0][1] = c1, acc[1][0] = c2, acc[1][1] = c3, acc[2][0] = c4, acc[2][1] = c5;
}

#undef BERTC_S8_ROW_PAIR
#undef BERTC_S8_ROW

// The 3 × 16 tile at (m, n): sums over all K, then the epilogue for its ml rows and nl columns.
void tile(const QGemmArgs& g, int64_t m, int ml, int64_t n, int nl, const __m256 (&ws)[2],
          const __m256 (&bias)[2], const __m256i (&sums)[2], bool residual_first) {
  const int32_t* __restrict ap = g.a_packed + (m / kMr) * g.K4 * kMr;
  const int8_t* __restrict bp = g.b_packed + (n / 16) * g.K4 * 64;
  __m256i acc[kMr][2];
  sums_3x16(g.K4, ap, bp, acc);
  const int n0 = std::min(nl, 8), n1 = nl - n0;
#pragma GCC unroll 3
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
