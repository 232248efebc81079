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
// Micro-tile 4 rows × 16 columns (one B panel): 8 int32 accumulators, the int16 ones, the first
// quad of a k-quad pair's two B vectors (loaded once per pair, reused by the 4 rows), a row's two
// broadcast quads and three scratch registers fill the 16 ymm registers; the second quad's B
// vectors are memory operands of vpmaddubsw (an L1 load per row, which the load ports absorb).
// On the Zen 3 this ran 4-8% faster per product than the 3 × 16 tile with all four B vectors in
// registers (a k-loop micro-benchmark, A and B in L1: the 4-row tile amortizes B's loads and the
// loop overhead over a third more products); with 5 or 6 rows and every B vector from memory the
// loads were the bottleneck. An odd last k-quad takes the one-quad step. The tile loop and the
// epilogue are s8_gemm_impl.h's.
#include "kernels/x86/simd_avx2.h"
#include "kernels/x86/s8_gemm_impl.h"

namespace bertc::kernels::x86::qgemm_detail {
namespace {

constexpr int kMr = 4;

// One 4 × 16 tile's sums over k4 quads: acc[r][v] (int32) = sum over k of q(row r, k) · Wq(k,
// column 8v + j), from the A micro-panel ap (4 quads per k-quad) and the B panel bp (64 bytes per
// k-quad). Per k-quad pair, the first quad's two B vectors (8-column halves) are loaded into
// ymm8-9; per row, its two quads are broadcast (ymm10-11), each multiplied with its quad's halves
// (vpmaddubsw; the second quad's halves from memory), the two quads' pair sums added (vpaddw),
// widened with the int16 ones in ymm15 (vpmaddwd) and added to the row's accumulators.
#define BERTC_S8_ROW_PAIR(off, ca, cb)              \
  "vpbroadcastd " #off "(%[a]), %%ymm10\n\t"        \
  "vpbroadcastd 16+" #off "(%[a]), %%ymm11\n\t"     \
  "vpmaddubsw %%ymm8, %%ymm10, %%ymm12\n\t"         \
  "vpmaddubsw 64(%[b]), %%ymm11, %%ymm13\n\t"       \
  "vpaddw %%ymm13, %%ymm12, %%ymm12\n\t"            \
  "vpmaddubsw %%ymm9, %%ymm10, %%ymm14\n\t"         \
  "vpmaddubsw 96(%[b]), %%ymm11, %%ymm13\n\t"       \
  "vpaddw %%ymm13, %%ymm14, %%ymm14\n\t"            \
  "vpmaddwd %%ymm15, %%ymm12, %%ymm12\n\t"          \
  "vpmaddwd %%ymm15, %%ymm14, %%ymm14\n\t"          \
  "vpaddd %%ymm12, %t[" #ca "], %t[" #ca "]\n\t"    \
  "vpaddd %%ymm14, %t[" #cb "], %t[" #cb "]\n\t"
// The one-quad step (an odd last k-quad), B's halves in ymm8-9.
#define BERTC_S8_ROW(off, ca, cb)                   \
  "vpbroadcastd " #off "(%[a]), %%ymm10\n\t"        \
  "vpmaddubsw %%ymm8, %%ymm10, %%ymm12\n\t"         \
  "vpmaddubsw %%ymm9, %%ymm10, %%ymm14\n\t"         \
  "vpmaddwd %%ymm15, %%ymm12, %%ymm12\n\t"          \
  "vpmaddwd %%ymm15, %%ymm14, %%ymm14\n\t"          \
  "vpaddd %%ymm12, %t[" #ca "], %t[" #ca "]\n\t"    \
  "vpaddd %%ymm14, %t[" #cb "], %t[" #cb "]\n\t"

void sums_4x16(int64_t k4, const int32_t* ap, const int8_t* bp, __m256i (&acc)[kMr][2]) {
  static_assert(kMr == 4, "the assembly below is written for 4 rows");
  __m256i c0 = _mm256_setzero_si256(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  int64_t pairs = k4 / 2;
  __asm__ volatile(
      "vpcmpeqw %%ymm15, %%ymm15, %%ymm15\n\t"  // int16 ones: all bits set, then their absolute value
      "vpabsw %%ymm15, %%ymm15\n\t"
      "test %[n], %[n]\n\t"
      "jz 2f\n\t"
      "1:\n\t"
      "vmovdqu (%[b]), %%ymm8\n\t"
      "vmovdqu 32(%[b]), %%ymm9\n\t"
      BERTC_S8_ROW_PAIR(0, c0, c1) BERTC_S8_ROW_PAIR(4, c2, c3) BERTC_S8_ROW_PAIR(8, c4, c5)
      BERTC_S8_ROW_PAIR(12, c6, c7)
      "add $32, %[a]\n\t"
      "add $128, %[b]\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "2:\n\t"
      "test %[odd], %[odd]\n\t"
      "jz 3f\n\t"
      "vmovdqu (%[b]), %%ymm8\n\t"
      "vmovdqu 32(%[b]), %%ymm9\n\t"
      BERTC_S8_ROW(0, c0, c1) BERTC_S8_ROW(4, c2, c3) BERTC_S8_ROW(8, c4, c5) BERTC_S8_ROW(12, c6, c7)
      "3:\n\t"
      : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4), [c5] "+x"(c5),
        [c6] "+x"(c6), [c7] "+x"(c7), [a] "+r"(ap), [b] "+r"(bp), [n] "+r"(pairs)
      : [odd] "r"(k4 % 2)
      : "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
  acc[0][0] = c0, acc[0][1] = c1, acc[1][0] = c2, acc[1][1] = c3;
  acc[2][0] = c4, acc[2][1] = c5, acc[3][0] = c6, acc[3][1] = c7;
}

#undef BERTC_S8_ROW_PAIR
#undef BERTC_S8_ROW

struct Avx2 : S8Int256 {
  static constexpr int kRows = kMr;
  static void sums(int64_t k4, const int32_t* ap, const int8_t* bp, __m256i (&acc)[kMr][2]) { sums_4x16(k4, ap, bp, acc); }
};

}  // namespace

const QGemmIsaKernels& s8_gemm_kernels_avx2() { return S8Gemm<Avx2>::kernels(); }

}  // namespace bertc::kernels::x86::qgemm_detail
