// Reference Softmax (opset 13 and the old flatten-to-2-D semantics) and LayerNormalization
// (axes, Scale/B broadcasting, Mean / InvStdDev outputs) on hand-computed cases.
#include <cmath>

#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::HasSubstr;

Tensor softmax(const Tensor& x, ir::Attrs attrs = {}) {
  return run_op(Op::Softmax, {x}, std::move(attrs))[0];
}
ir::Attrs axis(int64_t a) { return attrs_of({{"axis", a}}); }

// softmax([0, 1, 2]) and softmax([0, 2]).
const std::vector<float> kSoft3{0.09003057f, 0.24472847f, 0.66524096f};
constexpr float kLo = 0.11920292f, kHi = 0.88079708f;

TEST(MathSoftmax, DefaultAxisIsLast) {
  Tensor x = f32({-1, 0, 1, 5, 5, 5}, {2, 3});
  expect_tensor<float>(softmax(x), {2, 3},
                       {kSoft3[0], kSoft3[1], kSoft3[2], 1 / 3.0f, 1 / 3.0f, 1 / 3.0f}, 1e-7);
}

TEST(MathSoftmax, OuterAndNegativeAxes) {
  expect_tensor<float>(softmax(f32({0, 1, 2, 3}, {2, 2}), axis(0)), {2, 2}, {kLo, kLo, kHi, kHi},
                       1e-7);
  expect_tensor<float>(softmax(iota_f32({2, 2, 2}), axis(-2)), {2, 2, 2},
                       {kLo, kLo, kHi, kHi, kLo, kLo, kHi, kHi}, 1e-7);
}

TEST(MathSoftmax, LargeInputsDoNotOverflow) {
  expect_tensor<float>(softmax(f32({1000, 1001, 1002}, {1, 3})), {1, 3}, kSoft3, 1e-7);
  expect_tensor<double>(softmax(tensor<double>({-1000, -998}, {2})), {2}, {kLo, kHi}, 1e-7);
}

TEST(MathSoftmax, Coerce2dFlattensFromAxis) {
  // Old semantics: [2, 2, 2] at axis 1 is [2, 4]; softmax([0, 1, 2, 3]) per row.
  const double sum = 1 + std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  std::vector<float> row;
  for (int k = 0; k < 4; ++k) row.push_back(static_cast<float>(std::exp(k) / sum));
  std::vector<float> want = row;
  want.insert(want.end(), row.begin(), row.end());
  ir::Attrs coerce = attrs_of({{"bertc_coerce_2d", int64_t{1}}, {"axis", int64_t{1}}});
  expect_tensor<float>(softmax(iota_f32({2, 2, 2}), coerce), {2, 2, 2}, want, 1e-7);
  // The old default axis is 1.
  expect_tensor<float>(softmax(iota_f32({2, 2, 2}), attrs_of({{"bertc_coerce_2d", int64_t{1}}})),
                       {2, 2, 2}, want, 1e-7);
  // At the last axis both semantics agree.
  ir::Attrs last = attrs_of({{"bertc_coerce_2d", int64_t{1}}, {"axis", int64_t{-1}}});
  expect_tensor<float>(softmax(f32({0, 2, 4, 6}, {2, 2}), last), {2, 2}, {kLo, kHi, kLo, kHi},
                       1e-7);
}

TEST(MathSoftmax, Errors) {
  EXPECT_THAT(error_of([] {
                softmax(f32({1, 2}, {1, 2}), axis(2));
              }),
              HasSubstr("axis 2 is out of range for rank 2"));
  EXPECT_THAT(error_of([] {
                softmax(tensor<int32_t>({1, 2}, {2}));
              }),
              HasSubstr("input 0 has dtype int32"));
}

// ---- LayerNormalization ----

std::vector<Tensor> layer_norm(const std::vector<Tensor>& in, ir::Attrs attrs = {},
                               size_t outs = 3) {
  return run_op(Op::LayerNormalization, in, std::move(attrs), outs);
}

TEST(MathLayerNorm, LastAxisWithScaleBiasAndStatistics) {
  Tensor x = f32({1, 2, 3, 4, 6, 8}, {2, 3});
  std::vector<Tensor> out = layer_norm({x, f32({1, 2, 1}, {3}), f32({0, 0, 1}, {3})});
  const double inv0 = 1 / std::sqrt(2.0 / 3 + 1e-5), inv1 = 1 / std::sqrt(8.0 / 3 + 1e-5);
  expect_tensor<float>(out[0], {2, 3},
                       {float(-inv0), 0, float(inv0 + 1), float(-2 * inv1), 0, float(2 * inv1 + 1)},
                       1e-6);
  expect_tensor<float>(out[1], {2, 1}, {2, 6}, 1e-6);
  expect_tensor<float>(out[2], {2, 1}, {float(inv0), float(inv1)}, 1e-6);
}

TEST(MathLayerNorm, AxisZeroWithEpsilonAndNoBias) {
  Tensor x = f32({1, 2, 3, 4}, {2, 2});
  std::vector<Tensor> out = layer_norm({x, f32({1, 1, 1, 1}, {2, 2})},
                                       attrs_of({{"axis", int64_t{0}}, {"epsilon", 0.1f}}));
  const double inv = 1 / std::sqrt(1.25 + double(0.1f));
  expect_tensor<float>(out[0], {2, 2},
                       {float(-1.5 * inv), float(-0.5 * inv), float(0.5 * inv), float(1.5 * inv)},
                       1e-6);
  expect_tensor<float>(out[1], {1, 1}, {2.5f}, 1e-6);
}

TEST(MathLayerNorm, NegativeAxisAndBroadcastScale) {
  // Normalize over the last two dims of [2, 2, 2]; Scale [2] broadcasts over them.
  std::vector<Tensor> out =
      layer_norm({iota_f32({2, 2, 2}), f32({1, -1}, {2})}, attrs_of({{"axis", int64_t{-2}}}), 1);
  const float a = float(1.5 / std::sqrt(1.25 + 1e-5)), b = float(0.5 / std::sqrt(1.25 + 1e-5));
  expect_tensor<float>(out[0], {2, 2, 2}, {-a, b, b, -a, -a, b, b, -a}, 1e-6);
}

TEST(MathLayerNorm, Float64) {
  std::vector<Tensor> out =
      layer_norm({tensor<double>({0, 2}, {1, 2}), tensor<double>({1, 1}, {2})},
                 attrs_of({{"epsilon", 0.0f}}), 2);
  expect_tensor<double>(out[0], {1, 2}, {-1, 1}, 1e-12);
  expect_tensor<float>(out[1], {1, 1}, {1});
}

TEST(MathLayerNorm, Errors) {
  Tensor x = f32({1, 2, 3}, {1, 3});
  EXPECT_THAT(error_of([&] {
                layer_norm({x, f32({1, 1, 1, 1}, {4})});
              }),
              HasSubstr("Scale of shape [4] does not broadcast to [3]"));
  EXPECT_THAT(error_of([&] {
                layer_norm({x, f32({1, 1, 1}, {3}), f32({0, 0}, {2})});
              }),
              HasSubstr("B of shape [2] does not broadcast to [3]"));
  EXPECT_THAT(error_of([&] {
                layer_norm({x, tensor<double>({1, 1, 1}, {3})});
              }),
              HasSubstr("inputs 0 and 1 have different dtypes float32 and float64"));
  EXPECT_THAT(error_of([&] {
                layer_norm({tensor<int32_t>({1}, {1}), tensor<int32_t>({1}, {1})});
              }),
              HasSubstr("input 0 has dtype int32"));
  EXPECT_THAT(error_of([&] {
                layer_norm({x, f32({1, 1, 1}, {3})}, attrs_of({{"axis", int64_t{2}}}));
              }),
              HasSubstr("axis 2 is out of range for rank 2"));
  EXPECT_THAT(error_of([&] {
                layer_norm({x, f32({1, 1, 1}, {3})}, attrs_of({{"stash_type", int64_t{11}}}));
              }),
              HasSubstr("stash_type 11 is not supported"));
}

}  // namespace
}  // namespace bertc::testing
