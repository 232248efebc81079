// Reference MatMul and Gemm on hand-computed cases: 1-D operands, broadcast batch dims, integer
// dtypes, transposes, alpha / beta and every broadcastable C.
#include "math_test_util.h"

namespace bertc::testing {
namespace {

using ir::Op;
using ::testing::HasSubstr;

Tensor run1(Op op, const std::vector<Tensor>& in, ir::Attrs attrs = {}) {
  return run_op(op, in, std::move(attrs))[0];
}

// A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]: A B = [[58, 64], [139, 154]].
const std::vector<float> kA{1, 2, 3, 4, 5, 6};
const std::vector<float> kB{7, 8, 9, 10, 11, 12};

TEST(MathMatMul, TwoD) {
  expect_tensor<float>(run1(Op::MatMul, {f32(kA, {2, 3}), f32(kB, {3, 2})}), {2, 2},
                       {58, 64, 139, 154});
}

TEST(MathMatMul, OneDOperands) {
  // [3] . [3] -> scalar; [3] x [3, 2] -> [2]; [2, 3] x [3] -> [2].
  expect_tensor<float>(run1(Op::MatMul, {f32({1, 2, 3}, {3}), f32({4, 5, 6}, {3})}), {}, {32});
  expect_tensor<float>(run1(Op::MatMul, {f32({1, 2, 3}, {3}), f32(kB, {3, 2})}), {2}, {58, 64});
  expect_tensor<float>(run1(Op::MatMul, {f32(kA, {2, 3}), f32({1, 0, -1}, {3})}), {2}, {-2, -2});
  // 1-D against a batch: [3] x [2, 3, 1] -> [2, 1].
  expect_tensor<float>(run1(Op::MatMul, {f32({1, 1, 1}, {3}), f32(kA, {2, 3, 1})}), {2, 1},
                       {6, 15});
}

TEST(MathMatMul, BatchBroadcast) {
  // A [2, 1, 2, 2] x B [3, 2, 2] -> [2, 3, 2, 2]: batch (a, b) multiplies A[a] by B[b].
  std::vector<float> a{1, 0, 0, 1, 2, 0, 0, 2};               // I, 2I
  std::vector<float> b{1, 2, 3, 4, 0, 1, 1, 0, -1, 0, 0, 1};  // M0, M1, M2
  Tensor out = run1(Op::MatMul, {f32(a, {2, 1, 2, 2}), f32(b, {3, 2, 2})});
  expect_tensor<float>(out, {2, 3, 2, 2},
                       {1, 2, 3, 4, 0, 1, 1, 0, -1, 0, 0, 1, 2, 4, 6, 8, 0, 2, 2, 0, -2, 0, 0, 2});
  // Weights shared over a batch: [2, 1, 3] x [3, 2].
  expect_tensor<float>(run1(Op::MatMul, {f32(kA, {2, 1, 3}), f32(kB, {3, 2})}), {2, 1, 2},
                       {58, 64, 139, 154});
}

TEST(MathMatMul, IntegersAndDouble) {
  std::vector<int64_t> a{1, 2, 3, 4, 5, 6}, b{7, 8, 9, 10, 11, 12};
  expect_tensor<int64_t>(run1(Op::MatMul, {tensor(a, {2, 3}), tensor(b, {3, 2})}), {2, 2},
                         {58, 64, 139, 154});
  expect_tensor<int32_t>(
      run1(Op::MatMul, {tensor<int32_t>({1, -2}, {1, 2}), tensor<int32_t>({3, 4}, {2, 1})}), {1, 1},
      {-5});
  expect_tensor<double>(
      run1(Op::MatMul, {tensor<double>({0.5, 0.25}, {1, 2}), tensor<double>({2, 4}, {2, 1})}),
      {1, 1}, {2});
}

TEST(MathMatMul, Float32AccumulatesInDouble) {
  // In float, 1e8 + 1 - 1e8 is 0; the reference accumulates in double and gets 1.
  expect_tensor<float>(run1(Op::MatMul, {f32({1e8f, 1, -1e8f}, {1, 3}), f32({1, 1, 1}, {3, 1})}),
                       {1, 1}, {1});
}

TEST(MathMatMul, Errors) {
  EXPECT_THAT(error_of([] {
                run1(Op::MatMul, {f32(kA, {2, 3}), f32(kA, {2, 3})});
              }),
              HasSubstr("inner dimensions differ: A [2, 3] and B [2, 3]"));
  EXPECT_THAT(error_of([] {
                run1(Op::MatMul, {f32({1}, {}), f32({1}, {1})});
              }),
              HasSubstr("no scalars"));
  EXPECT_THAT(error_of([] {
                run1(Op::MatMul, {tensor<uint8_t>({1}, {1, 1}), tensor<uint8_t>({1}, {1, 1})});
              }),
              HasSubstr("input 0 has dtype uint8"));
  EXPECT_THAT(error_of([] {
                run1(Op::MatMul, {f32({1}, {1, 1}), tensor<double>({1}, {1, 1})});
              }),
              HasSubstr("different dtypes float32 and float64"));
  EXPECT_THAT(error_of([] {
                run1(Op::MatMul, {f32({1, 2, 3, 4, 5, 6}, {2, 1, 3}),
                                  f32(std::vector<float>(18, 1), {3, 3, 2})});
              }),
              HasSubstr("cannot broadcast shapes [2] and [3]"));
}

// ---- Gemm ----

ir::Attrs gemm_attrs(int64_t ta, int64_t tb, float alpha = 1, float beta = 1) {
  return attrs_of({{"transA", ta}, {"transB", tb}, {"alpha", alpha}, {"beta", beta}});
}

TEST(MathGemm, NoBiasAndTransposes) {
  expect_tensor<float>(run1(Op::Gemm, {f32(kA, {2, 3}), f32(kB, {3, 2})}), {2, 2},
                       {58, 64, 139, 154});
  // A^T stored [3, 2]; B^T stored [2, 3].
  Tensor at = f32({1, 4, 2, 5, 3, 6}, {3, 2});
  Tensor bt = f32({7, 9, 11, 8, 10, 12}, {2, 3});
  expect_tensor<float>(run1(Op::Gemm, {at, f32(kB, {3, 2})}, gemm_attrs(1, 0)), {2, 2},
                       {58, 64, 139, 154});
  expect_tensor<float>(run1(Op::Gemm, {f32(kA, {2, 3}), bt}, gemm_attrs(0, 1)), {2, 2},
                       {58, 64, 139, 154});
  expect_tensor<float>(run1(Op::Gemm, {at, bt}, gemm_attrs(1, 1)), {2, 2}, {58, 64, 139, 154});
}

TEST(MathGemm, AlphaBetaAndBroadcastC) {
  Tensor a = f32(kA, {2, 3}), b = f32(kB, {3, 2});
  auto ab = gemm_attrs(0, 0, 0.5f, 2);
  // C [2, 2], [2] (row), [2, 1] (column), [] (scalar), [1, 1].
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({1, 2, 3, 4}, {2, 2})}, ab), {2, 2},
                       {31, 36, 75.5f, 85});
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({1, 2}, {2})}, ab), {2, 2}, {31, 36, 71.5f, 81});
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({1, 2}, {2, 1})}, ab), {2, 2},
                       {31, 34, 73.5f, 81});
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({1}, {})}, ab), {2, 2}, {31, 34, 71.5f, 79});
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({1}, {1, 1})}, ab), {2, 2}, {31, 34, 71.5f, 79});
  // Omitted C (opset 11) and beta = 0.
  expect_tensor<float>(run1(Op::Gemm, {a, b, Tensor()}, ab), {2, 2}, {29, 32, 69.5f, 77});
  expect_tensor<float>(run1(Op::Gemm, {a, b, f32({5}, {})}, gemm_attrs(0, 0, 1, 0)), {2, 2},
                       {58, 64, 139, 154});
}

TEST(MathGemm, Integers) {
  expect_tensor<int32_t>(run1(Op::Gemm, {tensor<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                         tensor<int32_t>({7, 8, 9, 10, 11, 12}, {3, 2}),
                                         tensor<int32_t>({1, -1}, {2})}),
                         {2, 2}, {59, 63, 140, 153});
}

TEST(MathGemm, Errors) {
  EXPECT_THAT(error_of([] {
                run1(Op::Gemm, {f32(kA, {2, 3}), f32(kB, {2, 3})});
              }),
              HasSubstr("inner dimensions differ"));
  EXPECT_THAT(error_of([] {
                run1(Op::Gemm, {f32(kA, {6}), f32(kB, {3, 2})});
              }),
              HasSubstr("A and B must be 2-D, got [6] and [3, 2]"));
  EXPECT_THAT(error_of([] {
                run1(Op::Gemm, {f32(kA, {2, 3}), f32(kB, {3, 2}), f32({1, 2, 3}, {3})});
              }),
              HasSubstr("C of shape [3] does not broadcast to [2, 2]"));
  EXPECT_THAT(error_of([] {
                run1(Op::Gemm, {f32(kA, {2, 3}), f32(kB, {3, 2}), f32({1, 2, 3, 4}, {1, 2, 2})});
              }),
              HasSubstr("does not broadcast"));
}

}  // namespace
}  // namespace bertc::testing
