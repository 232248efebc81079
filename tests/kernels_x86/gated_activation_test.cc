// f32_gated_gelu_{avx512,avx2} (bertc.GatedActivation, GELU erf) against the reference kernel:
// odd and ModernBERT-sized halves, rows split over threads, fast and precise GELU; the tanh form
// is left to the reference kernel.
#include <gtest/gtest.h>

#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

class GatedActivationTest : public ::testing::TestWithParam<cpu::Isa> {};

TEST_P(GatedActivationTest, MatchesReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  for (const auto& [rows, F] : std::vector<std::pair<int64_t, int64_t>>{{1, 1}, {3, 7}, {37, 16}, {5, 57}, {130, 1152}}) {
    Tensor x = random_f32({rows, 2 * F}, static_cast<uint32_t>(rows * 7 + F), -4.0f, 4.0f);
    for (bool fast : {true, false}) {
      ir::Attrs attrs;
      attrs.set("activation", int64_t{1});
      attrs.set("fast_math", int64_t{fast ? 1 : 0});
      OneNode n(ir::Op::GatedActivation, {&x}, {}, attrs);
      Tensor want = Tensor::empty(DType::kF32, {rows, F});
      n.run_ref(want);
      for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
        Tensor got = Tensor::empty(DType::kF32, {rows, F});
        n.run_x86(isa, got, pool);
        expect_close(got, want, 2e-6, 2e-6,
                     std::to_string(rows) + "x" + std::to_string(F) + (fast ? " fast" : " precise"));
      }
    }
  }
}

TEST_P(GatedActivationTest, TanhGateIsLeftToTheReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({2, 8}, 3);
  ir::Attrs attrs;
  attrs.set("activation", int64_t{2});
  OneNode n(ir::Op::GatedActivation, {&x}, {}, attrs);
  const kernels::KernelChoice c = n.choose(isa);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("only the GELU (erf) gate"), std::string::npos) << c.refused;
}

// The reference: act(x[:F]) · x[F:] for each activation, by hand.
TEST(GatedActivationReference, FirstHalfActivatedTimesSecondHalf) {
  const Tensor x = Tensor::from_vector<float>({-1.0f, 2.0f, 3.0f, -0.5f}, {1, 4});
  for (int64_t act : {1, 2, 3, 4}) {
    ir::Attrs attrs;
    attrs.set("activation", act);
    OneNode n(ir::Op::GatedActivation, {&x}, {}, attrs);
    Tensor y = Tensor::empty(DType::kF32, {1, 2});
    n.run_ref(y);
    auto f = [&](double v) {
      switch (act) {
        case 1: return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
        case 2: return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        case 3: return std::max(v, 0.0);
        default: return std::tanh(v);
      }
    };
    EXPECT_NEAR(y.data<float>()[0], f(-1.0) * 3.0, 1e-6) << act;
    EXPECT_NEAR(y.data<float>()[1], f(2.0) * -0.5, 1e-6) << act;
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, GatedActivationTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing
