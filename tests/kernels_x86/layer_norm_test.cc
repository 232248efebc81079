// f32_layer_norm_{avx512,avx2} (bertc.LayerNorm and ONNX LayerNormalization) against the
// reference kernels, over hidden sizes that are not multiples of the vector width.
#include <gtest/gtest.h>

#include <tuple>

#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

// isa, hidden, seq, batch, with skip
using LnParam = std::tuple<cpu::Isa, int64_t, int64_t, int64_t, bool>;

std::string ln_name(const ::testing::TestParamInfo<LnParam>& info) {
  const cpu::Isa isa = std::get<0>(info.param);
  const int64_t H = std::get<1>(info.param), S = std::get<2>(info.param), B = std::get<3>(info.param);
  return std::string(cpu::isa_name(isa)) + "_H" + std::to_string(H) + "_S" + std::to_string(S) +
         "_B" + std::to_string(B) + (std::get<4>(info.param) ? "_skip" : "");
}

class LayerNormTest : public ::testing::TestWithParam<LnParam> {};

TEST_P(LayerNormTest, MatchesReference) {
  const auto [isa, H, S, B, with_skip] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const uint32_t seed = static_cast<uint32_t>(H * 1000 + S * 10 + B);
  // An offset mean (3) makes a naive sum-of-squares variance lose digits; the kernel must not.
  Tensor x = random_f32({B, S, H}, seed, 2.0f, 4.0f);
  Tensor gamma = random_f32({H}, seed + 1, 0.5f, 1.5f);
  Tensor beta = random_f32({H}, seed + 2);
  Tensor skip = random_f32({B, S, H}, seed + 3);
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-5f);
  OneNode n(ir::Op::LayerNorm, {&x, &gamma, &beta, with_skip ? &skip : nullptr}, {}, attrs);
  Tensor want = Tensor::empty(DType::kF32, {B, S, H});
  n.run_ref(want);
  for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
    Tensor got = Tensor::empty(DType::kF32, {B, S, H});
    n.run_x86(isa, got, pool);
    expect_close(got, want, 2e-5, 2e-5, pool ? "2 threads" : "1 thread");
  }
  // In place: dst is X's buffer.
  Tensor inplace = Tensor::copy_of(x);
  std::vector<const Tensor*> srcs = n.srcs();
  srcs[0] = &inplace;
  n.run_x86(isa, inplace, &pool2(), srcs);
  expect_close(inplace, want, 2e-5, 2e-5, "in place");
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNormTest,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()),
                                            ::testing::Values(1, 7, 16, 33, 48, 768, 771),
                                            ::testing::Values(1, 5, 17, 64, 130),
                                            ::testing::Values(1, 3), ::testing::Bool()),
                         ln_name);

class LayerNormIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

TEST_P(LayerNormIsaTest, OnnxLayerNormalizationLastAxis) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({3, 17, 771}, 5);
  Tensor scale = random_f32({771}, 6);
  Tensor bias = random_f32({771}, 7);
  ir::Attrs attrs;
  attrs.set("epsilon", 1e-12f);
  attrs.set("axis", int64_t{-1});
  OneNode n(ir::Op::LayerNormalization, {&x, &scale, &bias}, {}, attrs);
  Tensor want = Tensor::empty(DType::kF32, {3, 17, 771});
  n.run_ref(want);
  Tensor got = Tensor::empty(DType::kF32, {3, 17, 771});
  n.run_x86(isa, got, &pool2());
  expect_close(got, want, 2e-5, 2e-5);
}

TEST_P(LayerNormIsaTest, OnnxLayerNormalizationOverTwoAxesIsRefused) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({3, 4, 5}, 5);
  Tensor scale = random_f32({4, 5}, 6);
  Tensor bias = random_f32({4, 5}, 7);
  ir::Attrs attrs;
  attrs.set("axis", int64_t{1});
  OneNode n(ir::Op::LayerNormalization, {&x, &scale, &bias}, {}, attrs);
  kernels::KernelChoice c = n.choose(isa);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("more than the last axis"), std::string::npos) << c.refused;
}

TEST_P(LayerNormIsaTest, ConstantRowGivesBeta) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = Tensor::empty(DType::kF32, {2, 33});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 1e4f;
  Tensor gamma = random_f32({33}, 1);
  Tensor beta = random_f32({33}, 2);
  OneNode n(ir::Op::LayerNorm, {&x, &gamma, &beta}, {}, {});
  Tensor got = Tensor::empty(DType::kF32, {2, 33});
  n.run_x86(isa, got, nullptr);
  for (int64_t i = 0; i < got.numel(); ++i) EXPECT_EQ(got.data<float>()[i], beta.data<float>()[i % 33]);
}

TEST_P(LayerNormIsaTest, WrongGammaLengthThrows) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({2, 33}, 1);
  Tensor gamma = random_f32({33}, 1);
  Tensor beta = random_f32({33}, 2);
  OneNode n(ir::Op::LayerNorm, {&x, &gamma, &beta}, {}, {});
  Tensor short_gamma = random_f32({32}, 1);
  Tensor got = Tensor::empty(DType::kF32, {2, 33});
  std::vector<const Tensor*> srcs = {&x, &short_gamma, &beta};
  kernels::KernelChoice c = n.choose(isa);
  ASSERT_NE(c.fn, nullptr);
  std::vector<Tensor*> d = {&got};
  EXPECT_THROW(c.fn(kernels::KernelCall{c.attrs.get(), srcs, d, nullptr}), Error);
}

INSTANTIATE_TEST_SUITE_P(Isa, LayerNormIsaTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing
