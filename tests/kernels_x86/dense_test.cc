// f32_dense_gemm_{avx512,avx2} (bertc.Dense through kernels::x86::gemm_run_isa) against the reference
// kernel: every activation (GELU erf in the GEMM epilogue; tanh-GELU, ReLU, tanh in the second
// pass), with and without bias and residual, W packed (attr packed = 1) or packed at load time
// (packed = 0), fast and exact math, 1 and 2 threads.
#include <gtest/gtest.h>

#include <tuple>

#include "kernels/x86/gemm.h"
#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

// isa, activation, K, N
using DenseParam = std::tuple<cpu::Isa, int64_t, int64_t, int64_t>;

std::string dense_name(const ::testing::TestParamInfo<DenseParam>& info) {
  return std::string(cpu::isa_name(std::get<0>(info.param))) + "_act" +
         std::to_string(std::get<1>(info.param)) + "_K" + std::to_string(std::get<2>(info.param)) +
         "_N" + std::to_string(std::get<3>(info.param));
}

class DenseTest : public ::testing::TestWithParam<DenseParam> {};

TEST_P(DenseTest, MatchesReference) {
  const auto [isa, act, K, N] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const int64_t B = 3, S = 17;
  const uint32_t seed = static_cast<uint32_t>(act * 1000 + K * 10 + N);
  Tensor x = random_f32({B, S, K}, seed, -2.0f, 2.0f);
  Tensor w = random_f32({K, N}, seed + 1, -0.5f, 0.5f);
  Tensor bias = random_f32({N}, seed + 2);
  Tensor residual = random_f32({B, S, N}, seed + 3);
  Tensor packed = Tensor::empty(DType::kF32, {ir::dense_packed_size(K, N)});
  kernels::x86::gemm_pack_b(kernels::x86::GemmBLayout::kKN, w.data<float>(), N, K, N, packed.data<float>());
  for (int variant = 0; variant < 4; ++variant) {
    const bool with_bias = variant & 1, with_res = variant & 2;
    ir::Attrs attrs;
    attrs.set("activation", act);
    Tensor want = Tensor::empty(DType::kF32, {B, S, N});
    {
      OneNode ref(ir::Op::Dense, {&x, &w, with_bias ? &bias : nullptr, with_res ? &residual : nullptr},
                  {false, true}, attrs);
      ref.run_ref(want);
    }
    for (bool pre_packed : {false, true}) {
      for (bool fast : {false, true}) {
        ir::Attrs a = attrs;
        a.set("fast_math", int64_t{fast});
        if (pre_packed) {
          a.set("packed", int64_t{1});
          a.set("k", K);
          a.set("n", N);
        }
        OneNode n(ir::Op::Dense,
                  {&x, pre_packed ? &packed : &w, with_bias ? &bias : nullptr,
                   with_res ? &residual : nullptr},
                  {false, true}, a);
        for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
          Tensor got = Tensor::empty(DType::kF32, {B, S, N});
          n.run_x86(isa, got, pool);
          // float accumulation over K terms of size <= 1: ~sqrt(K) ulp-scale error.
          expect_close(got, want, 2e-5 * std::sqrt(static_cast<double>(K)) + 2e-6, 1e-5,
                       std::string(with_bias ? "bias " : "") + (with_res ? "residual " : "") +
                           (pre_packed ? "packed " : "unpacked ") + (fast ? "fast " : "exact ") +
                           (pool ? "2 threads" : "1 thread"));
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DenseTest,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()),
                                            ::testing::Values(0, 1, 2, 3, 4),
                                            ::testing::Values(1, 7, 48, 771),
                                            ::testing::Values(1, 16, 33, 130)),
                         dense_name);

class DenseIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

TEST_P(DenseIsaTest, NonConstantWeightIsRefused) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({2, 8}, 1);
  Tensor w = random_f32({8, 4}, 2);
  OneNode n(ir::Op::Dense, {&x, &w}, {false, false}, {});
  kernels::KernelChoice c = n.choose(isa);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("W is not a constant"), std::string::npos) << c.refused;
}

TEST_P(DenseIsaTest, RefIsaGetsNoKernel) {
  Tensor x = random_f32({2, 8}, 1);
  Tensor w = random_f32({8, 4}, 2);
  OneNode n(ir::Op::Dense, {&x, &w}, {false, true}, {});
  kernels::KernelChoice c = n.choose(cpu::Isa::kRef);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_EQ(c.refused, "");
}

INSTANTIATE_TEST_SUITE_P(Isa, DenseIsaTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing
