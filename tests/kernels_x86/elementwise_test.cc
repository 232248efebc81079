// The vector exp (fast and precise) against double-precision exp; f32_softmax_* against the
// reference Softmax; f32_activation_* (Relu, Erf, Tanh ops; tanh-GELU through Dense in
// dense_test.cc) against the reference kernels and std:: functions.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "kernels/x86/kernels_x86.h"
#include "x86_test_util.h"

namespace bertc::testing {
namespace {

cpu::ThreadPool& pool2() {
  static cpu::ThreadPool pool(2);
  return pool;
}

using ExpFn = void (*)(const float*, float*, int64_t, bool);
using ActFn = void (*)(kernels::x86::Activation, const float*, const float*, float*, int64_t, bool);

ExpFn exp_fn(cpu::Isa isa) { return isa == cpu::Isa::kAvx512 ? &kernels::x86::f32_exp_avx512 : &kernels::x86::f32_exp_avx2; }
ActFn act_fn(cpu::Isa isa) {
  return isa == cpu::Isa::kAvx512 ? &kernels::x86::f32_activation_avx512 : &kernels::x86::f32_activation_avx2;
}

class ElementwiseIsaTest : public ::testing::TestWithParam<cpu::Isa> {};

// Max relative error over a dense sweep of [-87, 88] (every 2^-12... spaced sample) for results
// that are normal floats.
double max_exp_rel_error(ExpFn fn, bool fast) {
  std::vector<float> x;
  for (double v = -87.0; v < 88.0; v += 1.0 / 1024) x.push_back(static_cast<float>(v));
  // Near 0 (tiny r): every float in [-2^-10, 2^-10] spaced finely.
  for (int i = -4096; i <= 4096; ++i) x.push_back(static_cast<float>(i) * 0x1p-22f);
  std::vector<float> y(x.size());
  fn(x.data(), y.data(), static_cast<int64_t>(x.size()), fast);
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = std::exp(static_cast<double>(x[i]));
    if (want < std::numeric_limits<float>::min() || want > std::numeric_limits<float>::max()) continue;
    worst = std::max(worst, std::abs(y[i] - want) / want);
  }
  return worst;
}

TEST_P(ElementwiseIsaTest, ExpErrorBounds) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const double fast = max_exp_rel_error(exp_fn(isa), true);
  const double precise = max_exp_rel_error(exp_fn(isa), false);
  RecordProperty("exp_fast_max_rel_error", std::to_string(fast));
  RecordProperty("exp_precise_max_rel_error", std::to_string(precise));
  EXPECT_LE(fast, kernels::x86::kExpFastMaxRelError);
  EXPECT_LE(precise, kernels::x86::kExpPreciseMaxRelError);
  std::printf("%s exp max rel error: fast %.3g, precise %.3g\n", cpu::isa_name(isa), fast, precise);
}

TEST_P(ElementwiseIsaTest, ExpSpecialValues) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> x = {-inf, inf, std::nanf(""), -1000.0f, 1000.0f, 0.0f, -0.0f, -88.0f, -150.0f};
  for (bool fast : {true, false}) {
    std::vector<float> y(x.size());
    exp_fn(isa)(x.data(), y.data(), static_cast<int64_t>(x.size()), fast);
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[1], inf);
    EXPECT_TRUE(std::isnan(y[2]));
    EXPECT_EQ(y[3], 0.0f);
    EXPECT_EQ(y[4], inf);
    EXPECT_EQ(y[5], 1.0f);
    EXPECT_EQ(y[6], 1.0f);
    EXPECT_LT(y[7], 1e-37f);
    EXPECT_EQ(y[8], 0.0f);
  }
}

TEST_P(ElementwiseIsaTest, ActivationErrorBounds) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  std::vector<float> x;
  for (double v = -10.0; v <= 10.0; v += 1.0 / 4096) x.push_back(static_cast<float>(v));
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<float> y(x.size());
  struct Case {
    kernels::x86::Activation act;
    double (*exact)(double);
    double bound;
  };
  const Case cases[] = {
      {kernels::x86::Activation::kTanh, [](double v) { return std::tanh(v); }, kernels::x86::kTanhFastMaxAbsError},
      {kernels::x86::Activation::kErf, [](double v) { return std::erf(v); }, kernels::x86::kErfFastMaxAbsError},
      {kernels::x86::Activation::kGeluTanh,
       [](double v) { return 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); },
       // 0.5 |x| tanh error + a few ulp of values up to 10
       5.0 * kernels::x86::kTanhFastMaxAbsError + 4e-6},
      {kernels::x86::Activation::kRelu, [](double v) { return v > 0 ? v : 0.0; }, 0.0},
  };
  for (const Case& c : cases) {
    for (bool fast : {true, false}) {
      act_fn(isa)(c.act, x.data(), nullptr, y.data(), n, fast);
      double worst = 0;
      for (int64_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(y[i] - c.exact(x[i])));
      const double bound = fast ? c.bound : 1e-6 * 10;  // exact: 1 ulp of values <= 10
      EXPECT_LE(worst, bound) << "activation " << static_cast<int>(c.act) << (fast ? " fast" : " exact");
    }
  }
  // With a residual, in place.
  std::vector<float> r(x.size(), 0.25f), z = x;
  act_fn(isa)(kernels::x86::Activation::kRelu, z.data(), r.data(), z.data(), n, true);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(z[i], std::max(x[i], 0.0f) + 0.25f);
}

// isa, rows, n
using SoftmaxParam = std::tuple<cpu::Isa, int64_t, int64_t>;

class SoftmaxTest : public ::testing::TestWithParam<SoftmaxParam> {};

TEST_P(SoftmaxTest, MatchesReference) {
  const auto [isa, rows, n] = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({rows, n}, static_cast<uint32_t>(rows * 7 + n), -10.0f, 10.0f);
  if (n > 3) x.data<float>()[2] = -std::numeric_limits<float>::infinity();
  for (bool fast : {false, true}) {
    ir::Attrs attrs;
    attrs.set("axis", int64_t{-1});
    attrs.set("fast_math", int64_t{fast});
    OneNode node(ir::Op::Softmax, {&x}, {}, attrs);
    Tensor want = Tensor::empty(DType::kF32, {rows, n});
    node.run_ref(want);
    for (cpu::ThreadPool* pool : {static_cast<cpu::ThreadPool*>(nullptr), &pool2()}) {
      Tensor got = Tensor::empty(DType::kF32, {rows, n});
      node.run_x86(isa, got, pool);
      expect_close(got, want, 1e-6, 1e-5, fast ? "fast" : "precise");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTest,
                         ::testing::Combine(::testing::ValuesIn(x86_isas()),
                                            ::testing::Values(1, 5, 130),
                                            ::testing::Values(1, 7, 16, 33, 48, 771)),
                         [](const ::testing::TestParamInfo<SoftmaxParam>& info) {
                           return std::string(cpu::isa_name(std::get<0>(info.param))) + "_r" +
                                  std::to_string(std::get<1>(info.param)) + "_n" +
                                  std::to_string(std::get<2>(info.param));
                         });

TEST_P(ElementwiseIsaTest, SoftmaxOverOtherAxisIsRefused) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({3, 4}, 1);
  ir::Attrs attrs;
  attrs.set("axis", int64_t{0});
  OneNode node(ir::Op::Softmax, {&x}, {}, attrs);
  kernels::KernelChoice c = node.choose(isa);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_NE(c.refused.find("last axis"), std::string::npos) << c.refused;
}

TEST_P(ElementwiseIsaTest, ElementwiseOpsMatchReference) {
  const cpu::Isa isa = GetParam();
  BERTC_SKIP_UNSUPPORTED(isa);
  Tensor x = random_f32({5, 771}, 3, -4.0f, 4.0f);
  for (ir::Op op : {ir::Op::Relu, ir::Op::Erf, ir::Op::Tanh}) {
    ir::Attrs attrs;
    attrs.set("fast_math", int64_t{1});
    OneNode node(op, {&x}, {}, attrs);
    Tensor want = Tensor::empty(DType::kF32, {5, 771});
    node.run_ref(want);
    Tensor got = Tensor::empty(DType::kF32, {5, 771});
    node.run_x86(isa, got, &pool2());
    expect_close(got, want, 5e-7, 0, std::string(ir::op_name(op)));
    // Exact Erf / Tanh are left to the reference kernel.
    if (op != ir::Op::Relu) {
      OneNode exact(op, {&x}, {}, {});
      EXPECT_EQ(exact.choose(isa).fn, nullptr);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, ElementwiseIsaTest, ::testing::ValuesIn(x86_isas()), isa_param_name);

}  // namespace
}  // namespace bertc::testing
