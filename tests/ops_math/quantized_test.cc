// Reference DynamicQuantizeLinear and MatMulInteger on hand-computed cases (the ONNX
// specification's examples), their zero points, and the errors of bad operands.
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

}  // namespace
}  // namespace bertc::testing
