// The bf16 GEMM against the reference kernel (X and W rounded to bf16, products summed in
// double): each bf16 kernel directly (Bf16KernelTest: AVX-512 BF16 where the CPU has it, and the
// template with vdpbf16ps emulated, bf16_emulated.h, on any AVX2 CPU), on shapes that are not
// multiples of the tiles (K odd: a half-empty k-pair; partial row tiles), with bias, residual and
// GELU, 1 and 2 threads; A's rounding (ties to even, NaN); W's packing; and bertc.DenseBf16's
// kernel choice, which refuses a CPU without avx512_bf16 instead of running slowly.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "bf16_emulated.h"
#include "ir/bf16.h"
#include "ir/packed_weights.h"
#include "kernels/x86/bgemm.h"
#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

Tensor pack(const Tensor& w) {
  const int64_t K = w.dim(0), N = w.dim(1);
  Tensor packed = Tensor::empty(DType::kI32, {ir::dense_bf16_packed_size(K, N)});
  kernels::x86::bgemm_pack_b(w.data<float>(), N, K, N, packed.data<int32_t>());
  return packed;
}

ir::Attrs bf16_attrs(int64_t act, int64_t K, int64_t N) {
  ir::Attrs a;
  a.set("activation", act);
  a.set("k", K);
  a.set("n", N);
  return a;
}

// A bf16 kernel to test: bgemm.h's, or its template with the emulated dot.
struct Bf16Kernel {
  std::string name;
  bool emulated = false;

  bool supported() const {
    return emulated ? cpu::isa_supported(cpu::Isa::kAvx2) : kernels::x86::bgemm_kernel_supported();
  }
  void run(int64_t M, int64_t N, int64_t K, const float* a, const Tensor& wb, float* c,
           const kernels::x86::GemmEpilogue& ep, cpu::ThreadPool* pool) const {
    if (emulated) {
      kernels::x86::qgemm_detail::bgemm_run_kernels(bf16_gemm_kernels_emulated(), M, N, K, a, K,
                                                    wb.data<int32_t>(), c, N, ep, pool);
    } else {
      kernels::x86::bgemm_run(M, N, K, a, K, wb.data<int32_t>(), c, N, ep, pool);
    }
  }
};

void PrintTo(const Bf16Kernel& k, std::ostream* os) { *os << k.name; }

class Bf16KernelTest : public ::testing::TestWithParam<Bf16Kernel> {
 protected:
  void SetUp() override {
    if (!GetParam().supported())
      GTEST_SKIP() << "this CPU cannot run the " << GetParam().name << " bf16 kernel";
  }
};

TEST_P(Bf16KernelTest, MatchesReference) {
  for (const int64_t M : {1, 5, 26, 35}) {
    for (const int64_t K : {1, 7, 17, 333}) {
      for (const int64_t N : {1, 16, 37}) {
        const uint32_t seed = static_cast<uint32_t>(M * 10000 + K * 10 + N);
        Tensor x = random_f32({M, K}, seed, -2.0f, 3.0f);
        const Tensor wb = pack(random_f32({K, N}, seed + 1, -0.5f, 0.5f));
        Tensor bias = random_f32({N}, seed + 2);
        Tensor residual = random_f32({M, N}, seed + 3);
        for (const int64_t act : {0, 1}) {
          OneNode n(ir::Op::DenseBf16, {&x, &wb, &bias, &residual}, {false, true},
                    bf16_attrs(act, K, N));
          Tensor want = Tensor::empty(DType::kF32, {M, N});
          n.run_ref(want);
          const kernels::x86::GemmEpilogue ep = bias_residual_epilogue(bias, residual, N, act != 0);
          for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
            Tensor got = Tensor::empty(DType::kF32, {M, N});
            GetParam().run(M, N, K, x.data<float>(), wb, got.data<float>(), ep, pool);
            // The same exact products, summed in float32 rather than double (and fast GELU).
            expect_close(got, want, 2e-5, 2e-5,
                         "M " + std::to_string(M) + " K " + std::to_string(K) + " N " +
                             std::to_string(N) + (act ? " gelu" : "") +
                             (pool ? " 2 threads" : " 1 thread"));
          }
        }
      }
    }
  }
}

// A times the identity is A rounded to bf16: ties go to the even neighbour, a value above a tie
// rounds up, and a NaN stays NaN (here it poisons its row: NaN · 0 is NaN). W's own rounding:
// a weight of 1 + 2^-8 (a tie) is packed as 1.
TEST_P(Bf16KernelTest, RoundsTiesToEvenAndKeepsNaN) {
  const int64_t M = 2, K = 19, N = 19;
  Tensor x = random_f32({M, K}, 7, -4.0f, 4.0f);
  float* a = x.data<float>();
  a[0] = 1.0f + 0x1p-8f;             // tie between 1 and 1 + 2^-7: to 1 (even)
  a[1] = 1.0f + 3 * 0x1p-8f;         // tie between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6 (even)
  a[2] = 1.0f + 0x1p-8f + 0x1p-20f;  // above the tie: 1 + 2^-7
  a[3] = -(1.0f + 0x1p-8f);          // ties to even below zero too
  a[K] = std::numeric_limits<float>::quiet_NaN();
  Tensor w = Tensor::empty(DType::kF32, {K, N});
  for (int64_t i = 0; i < K * N; ++i) w.data<float>()[i] = i / N == i % N ? 1.0f : 0.0f;
  Tensor got = Tensor::empty(DType::kF32, {M, N});
  GetParam().run(M, N, K, a, pack(w), got.data<float>(), {}, &pool2());
  EXPECT_EQ(got.data<float>()[0], 1.0f);
  EXPECT_EQ(got.data<float>()[1], 1.0f + 0x1p-6f);
  EXPECT_EQ(got.data<float>()[2], 1.0f + 0x1p-7f);
  EXPECT_EQ(got.data<float>()[3], -1.0f);
  for (int64_t n = 4; n < N; ++n)
    EXPECT_EQ(got.data<float>()[n], ir::round_to_bf16(a[n])) << "column " << n;
  for (int64_t n = 0; n < N; ++n)
    EXPECT_TRUE(std::isnan(got.data<float>()[N + n])) << "column " << n;

  w.data<float>()[0] = 1.0f + 0x1p-8f;
  Tensor one = Tensor::empty(DType::kF32, {1, K});
  for (int64_t k = 0; k < K; ++k) one.data<float>()[k] = k == 0 ? 1.0f : 0.0f;
  Tensor row = Tensor::empty(DType::kF32, {1, N});
  GetParam().run(1, N, K, one.data<float>(), pack(w), row.data<float>(), {}, nullptr);
  EXPECT_EQ(row.data<float>()[0], 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Kernels, Bf16KernelTest,
                         ::testing::Values(Bf16Kernel{"avx512_bf16", false},
                                           Bf16Kernel{"emulated", true}),
                         [](const ::testing::TestParamInfo<Bf16Kernel>& info) {
                           return info.param.name;
                         });

// The layout of ir/packed_weights.h: W(k, n) in the half k % 2 of unit dense_bf16_packed_index,
// zero past N and past K.
TEST(Bf16Pack, Layout) {
  const int64_t K = 5, N = 18;
  Tensor w = random_f32({K, N}, 3);
  const Tensor packed = pack(w);
  ASSERT_EQ(packed.numel(), 2 * 3 * 16);
  const uint32_t* units = reinterpret_cast<const uint32_t*>(packed.data<int32_t>());
  for (int64_t k = 0; k < 6; ++k) {
    for (int64_t n = 0; n < 32; ++n) {
      const uint32_t unit = units[ir::dense_bf16_packed_index(K, k, n)];
      const uint16_t half = static_cast<uint16_t>(k % 2 ? unit >> 16 : unit & 0xffff);
      const uint16_t want = k < K && n < N ? ir::f32_to_bf16(w.data<float>()[k * N + n]) : 0;
      EXPECT_EQ(half, want) << "k " << k << " n " << n;
    }
  }
}

TEST(Bf16Pack, BadArgumentsAreClearErrors) {
  float w[4] = {};
  int32_t packed[32];
  EXPECT_THROW(kernels::x86::bgemm_pack_b(w, 1, 2, 2, packed), Error);  // ldw < N
  EXPECT_THROW(kernels::x86::bgemm_pack_b(nullptr, 2, 2, 2, packed), Error);
  EXPECT_THROW(kernels::x86::bgemm_pack_b(w, 2, -1, 2, packed), Error);
}

// bertc.DenseBf16 runs on the AVX-512 BF16 kernel where the CPU has it (and matches the
// reference); elsewhere the x86 backend refuses it, naming what is missing, and AVX2 code never
// takes it.
TEST(DenseBf16Select, RunsOnAvx512Bf16OrRefusesClearly) {
  const int64_t M = 9, K = 31, N = 21;
  Tensor x = random_f32({M, K}, 11);
  const Tensor wb = pack(random_f32({K, N}, 12));
  Tensor bias = random_f32({N}, 13);
  OneNode n(ir::Op::DenseBf16, {&x, &wb, &bias}, {false, true, true}, bf16_attrs(1, K, N));
  const kernels::KernelChoice avx2 = n.choose(cpu::Isa::kAvx2);
  EXPECT_EQ(avx2.fn, nullptr);
  EXPECT_NE(avx2.refused.find("avx512_bf16"), std::string::npos) << avx2.refused;
  if (!kernels::x86::bgemm_supported(cpu::Isa::kAvx512)) {
    if (cpu::isa_supported(cpu::Isa::kAvx512)) {
      const kernels::KernelChoice c = n.choose(cpu::Isa::kAvx512);
      EXPECT_EQ(c.fn, nullptr);
      EXPECT_NE(c.refused.find("avx512_bf16"), std::string::npos) << c.refused;
    }
    GTEST_SKIP() << "this CPU has no avx512_bf16: the refusal is all there is to test";
  }
  Tensor want = Tensor::empty(DType::kF32, {M, N});
  n.run_ref(want);
  Tensor got = Tensor::empty(DType::kF32, {M, N});
  n.run_x86(cpu::Isa::kAvx512, got, &pool2());
  EXPECT_EQ(n.choose(cpu::Isa::kAvx512).name, std::string("bf16_dense_gemm_avx512_bf16"));
  expect_close(got, want, 2e-5, 2e-5);
}

}  // namespace
}  // namespace bertc::testing
