// The int8 GEMM against the reference kernel: the integer sums must be exact (identical outputs
// where the epilogue is exact). bertc.DenseInt8 through the kernel each ISA selects
// (DenseInt8Test: every activation, with and without bias and residual, 1 and 2 threads); and each
// int8 kernel directly (Int8KernelTest: AVX2, AVX-VNNI, AVX-512BW, AVX-512 VNNI where the CPU has
// them, and their shared template with an emulated dot, s8_emulated_vnni.h, on any AVX2 CPU), on
// shapes that are not multiples of the tiles (K not a multiple of 4: a partly empty k-quad;
// partial row tiles of 4, 6, 12 and 16 rows), in place, and on extreme values: the largest int16
// pair sums vpmaddubsw forms (weights within ±64).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <tuple>

#include "ir/int8_quantization.h"
#include "ir/packed_weights.h"
#include "kernels/x86/qgemm.h"
#include "s8_emulated_vnni.h"
#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

struct Quantized {
  Tensor wq, scale;
};

Quantized quantize(const Tensor& w) {
  const int64_t K = w.dim(0), N = w.dim(1);
  Quantized q{Tensor::empty(DType::kI8, {ir::dense_int8_packed_size(K, N)}), Tensor::empty(DType::kF32, {N})};
  kernels::x86::qgemm_pack_b(w.data<float>(), N, K, N, q.wq.data<int8_t>(), q.scale.data<float>());
  return q;
}

ir::Attrs int8_attrs(int64_t act, int64_t K, int64_t N, bool fast) {
  ir::Attrs a;
  a.set("activation", act);
  a.set("k", K);
  a.set("n", N);
  a.set("fast_math", int64_t{fast});
  return a;
}

// isa, activation, K, N
using Int8Param = std::tuple<cpu::Isa, int64_t, int64_t, int64_t>;

class DenseInt8Test : public ::testing::TestWithParam<Int8Param> {};

TEST_P(DenseInt8Test, MatchesReference) {
  const auto [isa, act, K, N] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const int64_t B = 2, S = 13;  // 26 rows: a partial tile of 4, 6, 12 and 16 rows
  const uint32_t seed = static_cast<uint32_t>(act * 1000 + K * 10 + N);
  Tensor x = random_f32({B, S, K}, seed, -2.0f, 3.0f);
  for (int64_t i = 0; i < S * K; ++i) x.data<float>()[i] = std::fabs(x.data<float>()[i]);  // a one-sided batch
  Tensor w = random_f32({K, N}, seed + 1, -0.5f, 0.5f);
  Tensor bias = random_f32({N}, seed + 2);
  Tensor residual = random_f32({B, S, N}, seed + 3);
  const Quantized q = quantize(w);
  for (int variant = 0; variant < 4; ++variant) {
    const bool with_bias = variant & 1, with_res = variant & 2;
    for (bool fast : {false, true}) {
      OneNode n(ir::Op::DenseInt8,
                {&x, &q.wq, &q.scale, with_bias ? &bias : nullptr, with_res ? &residual : nullptr},
                {false, true, true}, int8_attrs(act, K, N, fast));
      Tensor want = Tensor::empty(DType::kF32, {B, S, N});
      n.run_ref(want);
      for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
        Tensor got = Tensor::empty(DType::kF32, {B, S, N});
        n.run_x86(isa, got, pool);
        // Exact sums and the same float epilogue: equal, but for GELU's approximation (fast) or
        // its double-precision rounding, and the second pass's tanh / tanh-GELU.
        const double tol = act == 0 || act == 3 ? 0.0 : fast ? 1e-5 : 1e-6;
        expect_close(got, want, tol, tol,
                     std::string(with_bias ? "bias " : "") + (with_res ? "residual " : "") +
                         (fast ? "fast " : "exact ") + (pool ? "2 threads" : "1 thread"));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseInt8Test,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()), ::testing::Values(0, 1, 2, 3, 4),
                                            ::testing::Values(1, 7, 17, 64, 333), ::testing::Values(1, 16, 37)),
                         [](const ::testing::TestParamInfo<Int8Param>& info) {
                           return std::string(cpu::isa_name(std::get<0>(info.param))) + "_act" +
                                  std::to_string(std::get<1>(info.param)) + "_K" +
                                  std::to_string(std::get<2>(info.param)) + "_N" +
                                  std::to_string(std::get<3>(info.param));
                         });

// An int8 kernel to test: one of qgemm.h's, or the VNNI template with the emulated dot.
struct Int8Kernel {
  std::string name;
  bool emulated = false;
  kernels::x86::QGemmKernel kernel = kernels::x86::QGemmKernel::kAvx2;

  bool supported() const {
    return emulated ? cpu::isa_supported(cpu::Isa::kAvx2) : kernels::x86::qgemm_kernel_supported(kernel);
  }
  void run(int64_t M, int64_t N, int64_t K, const float* a, const Quantized& q, float* c,
           const kernels::x86::GemmEpilogue& ep, cpu::ThreadPool* pool) const {
    if (emulated) {
      kernels::x86::qgemm_detail::qgemm_run_kernels(s8_gemm_kernels_emulated_vnni(), M, N, K, a, K, q.wq.data<int8_t>(),
                                                    q.scale.data<float>(), c, N, ep, pool, nullptr);
    } else {
      kernels::x86::qgemm_run(kernel, M, N, K, a, K, q.wq.data<int8_t>(), q.scale.data<float>(), c, N, ep, pool);
    }
  }
};

void PrintTo(const Int8Kernel& k, std::ostream* os) { *os << k.name; }

std::vector<Int8Kernel> int8_kernels() {
  using kernels::x86::QGemmKernel;
  std::vector<Int8Kernel> out;
  for (QGemmKernel k : {QGemmKernel::kAvx2, QGemmKernel::kAvxVnni, QGemmKernel::kAvx512Bw, QGemmKernel::kAvx512Vnni}) {
    out.push_back({kernels::x86::qgemm_kernel_name(k), false, k});
  }
  out.push_back({"emulated_vnni", true});
  return out;
}

class Int8KernelTest : public ::testing::TestWithParam<Int8Kernel> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << "this CPU cannot run the " << GetParam().name << " int8 kernel";
  }
};

// `kernel` against the reference kernel on one M × K × N problem (inputs from `seed`): exact with
// bias and residual (an exact epilogue: equal outputs), within the f32 GEMM's GELU approximation
// with GELU (its post-pass), 1 and 2 threads.
void expect_matches_reference(const Int8Kernel& kernel, int64_t M, int64_t K, int64_t N, uint32_t seed) {
  Tensor x = random_f32({M, K}, seed, -2.0f, 3.0f);
  const Quantized q = quantize(random_f32({K, N}, seed + 1, -0.5f, 0.5f));
  Tensor bias = random_f32({N}, seed + 2);
  Tensor residual = random_f32({M, N}, seed + 3);
  for (const int64_t act : {0, 1}) {
    OneNode n(ir::Op::DenseInt8, {&x, &q.wq, &q.scale, &bias, &residual}, {false, true, true},
              int8_attrs(act, K, N, true));
    Tensor want = Tensor::empty(DType::kF32, {M, N});
    n.run_ref(want);
    const kernels::x86::GemmEpilogue ep = bias_residual_epilogue(bias, residual, N, act != 0);
    for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
      Tensor got = Tensor::empty(DType::kF32, {M, N});
      kernel.run(M, N, K, x.data<float>(), q, got.data<float>(), ep, pool);
      const double tol = act ? 1e-5 : 0.0;
      expect_close(got, want, tol, tol,
                   "M " + std::to_string(M) + " K " + std::to_string(K) + " N " + std::to_string(N) +
                       (act ? " gelu" : "") + (pool ? " 2 threads" : " 1 thread"));
    }
  }
}

// Odd shapes: K not a multiple of 4 (a partly empty k-quad), partial row tiles, one partial
// 16-column panel.
TEST_P(Int8KernelTest, MatchesReference) {
  for (const int64_t M : {1, 5, 26, 35}) {
    for (const int64_t K : {1, 7, 17, 333}) {
      for (const int64_t N : {1, 16, 37}) {
        expect_matches_reference(GetParam(), M, K, N, static_cast<uint32_t>(M * 10000 + K * 10 + N));
      }
    }
  }
}

// BERT-sized K and many rows (an odd last k-quad pair, many row tiles, a partial last one).
TEST_P(Int8KernelTest, LongKManyRowsMatchReference) { expect_matches_reference(GetParam(), 150, 2099, 37, 71); }

// Rows at the ends of the 7-bit range (all at the top: q = 127, z = 0; all at the bottom: q = 0,
// z = 127; alternating) times columns at ±64: sums of two k-quads' pairs, 4 · 127 · 64 = 32,512,
// the most int16 holds here. The result must be the exact integer sum, scaled.
TEST_P(Int8KernelTest, ExtremeValuesDoNotSaturate) {
  const int64_t M = 3, K = 1001, N = 19;
  Tensor x = Tensor::empty(DType::kF32, {M, K});
  Tensor w = Tensor::empty(DType::kF32, {K, N});
  for (int64_t k = 0; k < K; ++k) {
    x.data<float>()[k] = 4.0f;                           // row 0: q - z = 127 everywhere
    x.data<float>()[K + k] = -4.0f;                      // row 1: -127 everywhere
    x.data<float>()[2 * K + k] = k % 2 ? -4.0f : 4.0f;  // row 2: z ~ 64, q 127 / 0 by k
    for (int64_t n = 0; n < N; ++n) w.data<float>()[k * N + n] = n % 3 == 0 ? 1.0f : n % 3 == 1 ? -1.0f : (k % 2 ? -1.0f : 1.0f);
  }
  const Quantized q = quantize(w);
  Tensor got = Tensor::empty(DType::kF32, {M, N});
  GetParam().run(M, N, K, x.data<float>(), q, got.data<float>(), {}, &pool2());
  for (int64_t m = 0; m < M; ++m) {
    float lo = 0, hi = 0;
    for (int64_t k = 0; k < K; ++k) lo = std::min(lo, x.data<float>()[m * K + k]), hi = std::max(hi, x.data<float>()[m * K + k]);
    const ir::RowQuantization rq = ir::row_quantization(lo, hi);
    for (int64_t n = 0; n < N; ++n) {
      int64_t sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t wq = w.data<float>()[k * N + n] > 0 ? 64 : -64;
        sum += ir::quantize_centered(x.data<float>()[m * K + k], rq) * wq;
      }
      EXPECT_EQ(got.data<float>()[m * N + n], static_cast<float>(sum) * (rq.scale * q.scale.data<float>()[n]))
          << "row " << m << " column " << n << " (sum " << sum << ")";
    }
  }
  // The largest sum is 127 · 64 · K: row 0 against an all-positive column.
  EXPECT_EQ(got.data<float>()[0], static_cast<float>(127 * 64 * K) * (ir::row_quantization(0, 4).scale * q.scale.data<float>()[0]));
}

// C may be the residual itself (in place) when there is no activation.
TEST_P(Int8KernelTest, InPlaceResidual) {
  const int64_t M = 9, K = 40, N = 24;
  Tensor x = random_f32({M, K}, 5);
  const Quantized q = quantize(random_f32({K, N}, 6));
  Tensor r = random_f32({M, N}, 7);
  std::vector<float> want(static_cast<size_t>(M * N)), c(r.data<float>(), r.data<float>() + M * N);
  kernels::x86::GemmEpilogue ep;
  ep.residual = r.data<float>();
  ep.ldr = N;
  GetParam().run(M, N, K, x.data<float>(), q, want.data(), ep, nullptr);
  ep.residual = c.data();
  GetParam().run(M, N, K, x.data<float>(), q, c.data(), ep, &pool2());
  EXPECT_EQ(c, want);
}

INSTANTIATE_TEST_SUITE_P(Kernels, Int8KernelTest, ::testing::ValuesIn(int8_kernels()),
                         [](const ::testing::TestParamInfo<Int8Kernel>& info) { return info.param.name; });

// Each ISA picks the fastest int8 kernel this CPU has for it.
TEST(Int8KernelChoice, FastestTheIsaAllows) {
  using kernels::x86::QGemmKernel;
  for (cpu::Isa isa : x86_isas()) {
    if (!cpu::isa_supported(isa)) continue;
    const QGemmKernel k = kernels::x86::qgemm_kernel_for(isa);
    EXPECT_TRUE(kernels::x86::qgemm_kernel_supported(k));
    if (isa == cpu::Isa::kAvx512) {
      EXPECT_EQ(k, kernels::x86::qgemm_kernel_supported(QGemmKernel::kAvx512Vnni) ? QGemmKernel::kAvx512Vnni
                                                                                  : QGemmKernel::kAvx512Bw);
    } else if (kernels::x86::qgemm_kernel_supported(QGemmKernel::kAvxVnni)) {
      EXPECT_EQ(k, QGemmKernel::kAvxVnni);
    } else {
      EXPECT_EQ(k, QGemmKernel::kAvx2);
    }
  }
  EXPECT_THROW(kernels::x86::qgemm_kernel_for(cpu::Isa::kRef), Error);
}

TEST(Int8Quantization, RowParameters) {
  const ir::RowQuantization zero = ir::row_quantization(0.0f, 0.0f);
  EXPECT_EQ(zero.scale, 1.0f);
  EXPECT_EQ(ir::quantize_centered(0.0f, zero), 0);
  const ir::RowQuantization pos = ir::row_quantization(0.5f, 1.27f);  // lo clamps to 0
  EXPECT_EQ(pos.zero_point, 0);
  EXPECT_EQ(ir::quantize_centered(1.27f, pos), 127);
  EXPECT_EQ(ir::quantize_centered(0.0f, pos), 0);
  const ir::RowQuantization neg = ir::row_quantization(-1.27f, -1.0f);
  EXPECT_EQ(neg.zero_point, 127);
  EXPECT_EQ(ir::quantize_centered(-1.27f, neg), -127);
  const ir::RowQuantization both = ir::row_quantization(-1.0f, 1.0f);  // z: 63.5 rounded (63 or 64)
  EXPECT_NEAR(both.zero_point, 63.5, 0.5);
  EXPECT_GE(ir::quantize_centered(1.0f, both) - ir::quantize_centered(-1.0f, both), 126);  // the ends round inward at most one step
  EXPECT_EQ(ir::quantize_centered(100.0f, both), 127 - both.zero_point);  // clamped
  EXPECT_EQ(ir::quantize_centered(-100.0f, both), -both.zero_point);
  EXPECT_EQ(ir::row_quantization(-INFINITY, 1.0f).scale, 1.0f);  // no finite range: scale 1
}

TEST(Int8Quantization, WeightsPerColumn) {
  const int64_t K = 3, N = 2;
  const float w[K * N] = {0.5f, 0.0f, -1.0f, 0.0f, 0.25f, 0.0f};  // column 1 all zero
  int8_t packed[ir::dense_int8_packed_size(K, N)];
  float scales[N];
  kernels::x86::qgemm_pack_b(w, N, K, N, packed, scales);
  EXPECT_FLOAT_EQ(scales[0], 1.0f / 64.0f);
  EXPECT_EQ(scales[1], 1.0f);
  EXPECT_EQ(packed[ir::dense_int8_packed_index(K, 0, 0)], 32);
  EXPECT_EQ(packed[ir::dense_int8_packed_index(K, 1, 0)], -64);
  EXPECT_EQ(packed[ir::dense_int8_packed_index(K, 2, 0)], 16);
  EXPECT_EQ(packed[ir::dense_int8_packed_index(K, 3, 0)], 0);  // the padding of K = 3 to a quad
  EXPECT_EQ(packed[ir::dense_int8_packed_index(K, 1, 1)], 0);
  int32_t sums[2];  // the column sums after the values
  std::memcpy(sums, packed + ir::dense_int8_values_size(K, N), sizeof(sums));
  EXPECT_EQ(sums[0], 32 - 64 + 16);
  EXPECT_EQ(sums[1], 0);
}

TEST(Int8Quantization, RefusesWhatIsNotExact) {
  float w = 1.0f, s = 0.0f;
  int8_t p[64];
  EXPECT_THROW(kernels::x86::qgemm_pack_b(&w, 1, 70000, 1, p, &s), Error);
  for (kernels::x86::QGemmKernel k : {kernels::x86::QGemmKernel::kAvxVnni, kernels::x86::QGemmKernel::kAvx512Bw,
                                      kernels::x86::QGemmKernel::kAvx512Vnni}) {
    if (!kernels::x86::qgemm_kernel_supported(k)) {
      EXPECT_THROW(kernels::x86::qgemm_run(k, 1, 1, 1, &w, 1, p, &s, &s, 1), Error) << kernels::x86::qgemm_kernel_name(k);
    }
  }
}

}  // namespace
}  // namespace bertc::testing
