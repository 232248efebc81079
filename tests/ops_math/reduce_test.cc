// Reference ReduceMean / ReduceSum / ReduceMax (axes as attribute or input, keepdims,
// noop_with_empty_axes) and CumSum (exclusive, reverse, negative and int32 axes).
#include <limits>

#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::HasSubstr;

// The ONNX examples' data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]].
Tensor data() { return f32({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 2, 2}); }

ir::Attrs axes_attr(std::vector<int64_t> axes, int64_t keepdims = 1) {
  return attrs_of({{"axes", std::move(axes)}, {"keepdims", keepdims}});
}
Tensor reduce(Op op, const std::vector<Tensor>& in, ir::Attrs attrs) {
  return run_op(op, in, std::move(attrs))[0];
}

TEST(MathReduce, AxesAttributeKeepDims) {
  expect_tensor<float>(reduce(Op::ReduceSum, {data()}, axes_attr({1})), {3, 1, 2},
                       {4, 6, 12, 14, 20, 22});
  expect_tensor<float>(reduce(Op::ReduceMean, {data()}, axes_attr({1})), {3, 1, 2},
                       {2, 3, 6, 7, 10, 11});
  expect_tensor<float>(reduce(Op::ReduceMax, {data()}, axes_attr({1})), {3, 1, 2},
                       {3, 4, 7, 8, 11, 12});
}

TEST(MathReduce, NegativeAndMultipleAxesWithoutKeepDims) {
  expect_tensor<float>(reduce(Op::ReduceSum, {data()}, axes_attr({-2}, 0)), {3, 2},
                       {4, 6, 12, 14, 20, 22});
  expect_tensor<float>(reduce(Op::ReduceMean, {data()}, axes_attr({0, -1}, 0)), {2}, {5.5f, 7.5f});
  expect_tensor<float>(reduce(Op::ReduceMax, {data()}, axes_attr({2, 0}, 1)), {1, 2, 1}, {10, 12});
}

TEST(MathReduce, DefaultAxesReduceEverything) {
  expect_tensor<float>(reduce(Op::ReduceSum, {data()}, {}), {1, 1, 1}, {78});
  expect_tensor<float>(reduce(Op::ReduceMean, {data()}, attrs_of({{"keepdims", int64_t{0}}})), {},
                       {6.5f});
  expect_tensor<float>(reduce(Op::ReduceMax, {data()}, {}), {1, 1, 1}, {12});
}

TEST(MathReduce, AxesAsInput) {
  // ReduceSum opset 13 (and the others at opset 18) take axes as input 1.
  expect_tensor<float>(reduce(Op::ReduceSum, {data(), tensor<int64_t>({-2}, {1})},
                              attrs_of({{"keepdims", int64_t{0}}})),
                       {3, 2}, {4, 6, 12, 14, 20, 22});
  expect_tensor<float>(reduce(Op::ReduceMean, {data(), tensor<int64_t>({2}, {1})}, {}), {3, 2, 1},
                       {1.5f, 3.5f, 5.5f, 7.5f, 9.5f, 11.5f});
  // Empty axes: everything, or nothing with noop_with_empty_axes.
  Tensor none = Tensor::empty(DType::kI64, {0});
  expect_tensor<float>(reduce(Op::ReduceSum, {data(), none}, {}), {1, 1, 1}, {78});
  expect_tensor<float>(
      reduce(Op::ReduceSum, {data(), none}, attrs_of({{"noop_with_empty_axes", int64_t{1}}})),
      {3, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  // An omitted axes input means the default.
  expect_tensor<float>(reduce(Op::ReduceSum, {data(), Tensor()}, {}), {1, 1, 1}, {78});
}

TEST(MathReduce, Integers) {
  Tensor x = tensor<int64_t>({1, 2, 4, -7}, {2, 2});
  expect_tensor<int64_t>(reduce(Op::ReduceSum, {x}, axes_attr({1}, 0)), {2}, {3, -3});
  expect_tensor<int64_t>(reduce(Op::ReduceMean, {x}, axes_attr({1}, 0)), {2},
                         {1, -1});  // truncates
  expect_tensor<int64_t>(reduce(Op::ReduceMax, {x}, axes_attr({0}, 0)), {2}, {4, 2});
  // int8 mean does not overflow in the accumulator.
  expect_tensor<int8_t>(reduce(Op::ReduceMean, {tensor<int8_t>({100, 100, 100}, {3})}, {}), {1},
                        {100});
  expect_tensor<uint8_t>(reduce(Op::ReduceMax, {tensor<uint8_t>({3, 250, 7}, {3})}, {}), {1},
                         {250});
}

TEST(MathReduce, Errors) {
  EXPECT_THAT(error_of([] { reduce(Op::ReduceSum, {data()}, axes_attr({3})); }),
              HasSubstr("axis 3 is out of range for rank 3"));
  EXPECT_THAT(error_of([] {
                reduce(Op::ReduceSum, {data()}, axes_attr({1, -2}));
              }),
              HasSubstr("axis -2 is listed twice in axes"));
  EXPECT_THAT(error_of([] { reduce(Op::ReduceMax, {tensor<bool>({true}, {1})}, {}); }),
              HasSubstr("input 0 has dtype bool"));
  EXPECT_THAT(error_of([] {
                reduce(Op::ReduceSum, {data(), f32({1}, {1})}, {});
              }),
              HasSubstr("input 1 has dtype float32"));
}

// ---- CumSum ----

Tensor cumsum(const Tensor& x, const Tensor& axis, int64_t exclusive = 0, int64_t reverse = 0) {
  return run_op(Op::CumSum, {x, axis},
                attrs_of({{"exclusive", exclusive}, {"reverse", reverse}}))[0];
}

TEST(MathCumSum, OneDVariants) {
  Tensor x = tensor<double>({1, 2, 3, 4, 5}, {5});
  Tensor axis0 = scalar_i64(0);
  expect_tensor<double>(cumsum(x, axis0), {5}, {1, 3, 6, 10, 15});
  expect_tensor<double>(cumsum(x, axis0, 1), {5}, {0, 1, 3, 6, 10});
  expect_tensor<double>(cumsum(x, axis0, 0, 1), {5}, {15, 14, 12, 9, 5});
  expect_tensor<double>(cumsum(x, axis0, 1, 1), {5}, {14, 12, 9, 5, 0});
}

TEST(MathCumSum, TwoDAxes) {
  Tensor x = f32({1, 2, 3, 4, 5, 6}, {2, 3});
  expect_tensor<float>(cumsum(x, scalar_i64(0)), {2, 3}, {1, 2, 3, 5, 7, 9});
  expect_tensor<float>(cumsum(x, scalar_i64(1)), {2, 3}, {1, 3, 6, 4, 9, 15});
  expect_tensor<float>(cumsum(x, tensor<int32_t>({-1}, {})), {2, 3}, {1, 3, 6, 4, 9, 15});
  expect_tensor<float>(cumsum(x, tensor<int64_t>({-2}, {1}), 1, 1), {2, 3}, {4, 5, 6, 0, 0, 0});
}

TEST(MathCumSum, IntegersAndPositionIds) {
  // The RoBERTa position-id pattern: cumsum of a 0/1 mask along the sequence.
  Tensor mask = tensor<int32_t>({1, 1, 1, 0, 1, 1, 0, 0}, {2, 4});
  expect_tensor<int32_t>(cumsum(mask, scalar_i64(1)), {2, 4}, {1, 2, 3, 3, 1, 2, 2, 2});
  expect_tensor<int64_t>(cumsum(tensor<int64_t>({5, -5}, {2}), scalar_i64(0)), {2}, {5, 0});
}

TEST(MathCumSum, Errors) {
  Tensor x = f32({1, 2}, {2});
  EXPECT_THAT(error_of([&] { cumsum(x, scalar_i64(1)); }),
              HasSubstr("axis 1 is out of range for rank 1"));
  EXPECT_THAT(error_of([&] { cumsum(x, f32({0}, {})); }), HasSubstr("input 1 has dtype float32"));
  EXPECT_THAT(error_of([&] {
                cumsum(x, tensor<int64_t>({0, 0}, {2}));
              }),
              HasSubstr("axis (input 1) must be a scalar, got shape [2]"));
  EXPECT_THAT(error_of([&] { cumsum(tensor<bool>({true}, {1}), scalar_i64(0)); }),
              HasSubstr("input 0 has dtype bool"));
}

}  // namespace
}  // namespace bertc::testing
