// Reference DynamicQuantizeLinear, MatMulInteger, QuantizeLinear and DequantizeLinear on
// hand-computed cases (the ONNX specification's examples), their zero points, rounding and
// saturation, and the errors of bad operands. (The ONNX node tests of QuantizeLinear /
// DequantizeLinear run in tests/onnx_conformance.)
#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;

TEST(MathDynamicQuantizeLinear, SpecExamples) {
  // x in [0, 255]: scale 1, zero point 0.
  auto out = run_op(Op::DynamicQuantizeLinear, {f32({0, 2, -3, -2.5f, 1.34f, 0.5f}, {6})}, {}, 3);
  // lo -3, hi 2: scale 5/255, zero point round(3 / scale) = 153.
  expect_tensor<float>(out[1], {}, {5.0f / 255.0f});
  EXPECT_EQ(out[2].data<uint8_t>()[0], 153);
  const std::vector<uint8_t> want{153, 255, 0, 26, 221, 179};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(out[0].data<uint8_t>()[i], want[i]) << i;
  // All zeros: scale 0, every value 0.
  out = run_op(Op::DynamicQuantizeLinear, {f32({0, 0}, {2})}, {}, 3);
  expect_tensor<float>(out[1], {}, {0.0f});
  EXPECT_EQ(out[0].data<uint8_t>()[1], 0);
}

Tensor u8(std::vector<uint8_t> v, Dims d) { return Tensor::from_vector<uint8_t>(v, std::move(d)); }
Tensor s8(std::vector<int8_t> v, Dims d) { return Tensor::from_vector<int8_t>(v, std::move(d)); }

TEST(MathMatMulInteger, ZeroPoints) {
  // ONNX's example: A [4, 3] uint8, zero point 12; B [3, 2] uint8, zero point 0.
  const Tensor a = u8({11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0}, {4, 3});
  const Tensor b = u8({1, 4, 2, 5, 3, 6}, {3, 2});
  const Tensor y = run_op(Op::MatMulInteger, {a, b, u8({12}, {}), u8({0}, {})})[0];
  expect_tensor<int32_t>(y, {4, 2}, {-38, -83, -44, -98, -50, -113, -56, -128});
  // int8 B with per-column zero points [1, -1]: B - zp = [[0, 5], [1, 6], [2, 7]].
  const Tensor y2 = run_op(Op::MatMulInteger, {u8({1, 2, 3}, {1, 3}), s8({1, 4, 2, 5, 3, 6}, {3, 2}), Tensor(),
                                               s8({1, -1}, {2})})[0];
  expect_tensor<int32_t>(y2, {1, 2}, {8, 38});
}

TEST(MathMatMulInteger, BadOperandsAreErrors) {
  const Tensor a = u8({1, 2}, {1, 2});
  EXPECT_THROW(run_op(Op::MatMulInteger, {f32({1, 2}, {1, 2}), u8({1, 2}, {2, 1})}), Error);       // float A
  EXPECT_THROW(run_op(Op::MatMulInteger, {a, u8({1, 2, 3}, {3, 1})}), Error);                       // K mismatch
  EXPECT_THROW(run_op(Op::MatMulInteger, {a, u8({1, 2}, {2, 1}), s8({0}, {})}), Error);            // zero point dtype
  EXPECT_THROW(run_op(Op::MatMulInteger, {a, u8({1, 2}, {2, 1}), Tensor(), u8({0, 0, 0}, {3})}), Error);  // zp shape
}

TEST(MathQuantizeLinear, RoundsHalfToEvenAndSaturates) {
  // uint8, zero point 128, scale 0.5: x / 0.5 = 1, 2.5 -> 2, 3.5 -> 4, -300 and 300 saturate.
  const Tensor x = f32({0.5f, 1.25f, 1.75f, -150.0f, 150.0f, std::nanf("")}, {6});
  auto y = run_op(Op::QuantizeLinear, {x, f32({0.5f}, {}), u8({128}, {})})[0];
  const std::vector<uint8_t> want{129, 130, 132, 0, 255, 128};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(y.data<uint8_t>()[i], want[i]) << i;
  // int8 (the zero point's dtype): [-128, 127].
  y = run_op(Op::QuantizeLinear, {x, f32({0.5f}, {}), s8({-1}, {})})[0];
  const std::vector<int8_t> want8{0, 1, 3, -128, 127, -1};
  for (size_t i = 0; i < want8.size(); ++i) EXPECT_EQ(y.data<int8_t>()[i], want8[i]) << i;
  // No zero point: uint8 with zero point 0.
  y = run_op(Op::QuantizeLinear, {f32({-1, 3}, {2}), f32({1}, {})})[0];
  EXPECT_EQ(y.data<uint8_t>()[0], 0);
  EXPECT_EQ(y.data<uint8_t>()[1], 3);
}

TEST(MathDequantizeLinear, PerTensorAndPerAxis) {
  expect_tensor<float>(run_op(Op::DequantizeLinear, {u8({0, 3, 128, 255}, {4}), f32({2}, {}), u8({128}, {})})[0], {4},
                       {-256, -250, 0, 254});
  // [2, 3] int8 per column (axis 1, the default): scales 1, 10, 100, zero points 0, 1, -1.
  expect_tensor<float>(run_op(Op::DequantizeLinear, {s8({1, 2, 3, -4, -5, -6}, {2, 3}), f32({1, 10, 100}, {3}),
                                                     s8({0, 1, -1}, {3})})[0],
                       {2, 3}, {1, 10, 400, -4, -60, -500});
  // Per row (axis 0) of int32, no zero point.
  ir::Attrs axis0;
  axis0.set("axis", int64_t{0});
  expect_tensor<float>(run_op(Op::DequantizeLinear, {Tensor::from_vector<int32_t>({7, -7, 1, 2}, {2, 2}), f32({1, 0.5f}, {2})}, axis0)[0],
                       {2, 2}, {7, -7, 0.5f, 1});
}

TEST(MathQuantizeLinear, BadParametersAreErrors) {
  const Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  // Three scales for axis 1, but a scale of 2 values.
  EXPECT_THROW(run_op(Op::QuantizeLinear, {x, f32({1, 2}, {2})}), Error);
  // A zero point of another shape than the scale, and of a float dtype.
  EXPECT_THROW(run_op(Op::QuantizeLinear, {x, f32({1, 2, 3}, {3}), u8({0}, {})}), Error);
  EXPECT_THROW(run_op(Op::QuantizeLinear, {x, f32({1}, {}), f32({0}, {})}), Error);
  // Blocked quantization (opset 21) is refused by name; so is an unsupported output_dtype.
  ir::Attrs blocked;
  blocked.set("block_size", int64_t{2});
  EXPECT_THROW(run_op(Op::QuantizeLinear, {x, f32({1}, {})}, blocked), Error);
  ir::Attrs int16;
  int16.set("output_dtype", int64_t{5});
  EXPECT_THROW(run_op(Op::QuantizeLinear, {x, f32({1}, {})}, int16), Error);
  // DequantizeLinear of floats, and with a zero point of another dtype than x.
  EXPECT_THROW(run_op(Op::DequantizeLinear, {x, f32({1}, {})}), Error);
  EXPECT_THROW(run_op(Op::DequantizeLinear, {u8({1}, {1}), f32({1}, {}), s8({0}, {})}), Error);
}

}  // namespace
}  // namespace bertc::testing
