// fuse_qdq_matmul: the QDQ form (QuantizeLinear → DequantizeLinear on X, DequantizeLinear on
// constant int8 weights) → MatMul on X and the dequantized weights, recorded as int8 weights;
// before / after.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

constexpr int64_t K = 12, N = 5;

struct QdqLinear {
  bool per_column = false;
  bool quantize_x = true;     // X through QuantizeLinear → DequantizeLinear
  float dq_x_scale = 0.05f;   // the DequantizeLinear's scale (0.05 is the QuantizeLinear's)
  Dims w_dims = {K, N};
};

// MatMul(DQ(Q(x)), DQ(Wq)) + bias, the Q / DQ of x with scale 0.05 and zero point 128.
ir::Graph qdq_linear(const QdqLinear& form) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(K)});
  if (form.quantize_x) {
    ir::ValueId zp = b.constant("x_zero_point", Tensor::from_vector<uint8_t>({128}, {}));
    ir::ValueId q = b.op(Op::QuantizeLinear, {x, b.constant("x_scale", Tensor::from_vector<float>({0.05f}, {})), zp});
    x = b.op(Op::DequantizeLinear, {q, b.constant("x_scale_dq", Tensor::from_vector<float>({form.dq_x_scale}, {})), zp});
  }
  std::vector<int8_t> wq(K * N);
  for (int64_t i = 0; i < K * N; ++i) wq[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  std::vector<float> ws(form.per_column ? N : 1);
  for (size_t j = 0; j < ws.size(); ++j) ws[j] = 0.01f * static_cast<float>(j + 1);
  const Dims scale_dims = form.per_column ? Dims{N} : Dims{};
  ir::Attrs axis;
  if (form.per_column) axis.set("axis", int64_t{1});
  ir::ValueId w = b.op(Op::DequantizeLinear,
                       {b.constant("w_quantized", Tensor::from_vector<int8_t>(wq, form.w_dims)),
                        b.constant("w_scale", Tensor::from_vector<float>(ws, scale_dims)),
                        b.constant("w_zero_point", Tensor::from_vector<int8_t>(std::vector<int8_t>(ws.size(), 0), scale_dims))},
                       axis);
  ir::ValueId y = b.op(Op::MatMul, {x, w});
  return b.finish({b.op(Op::Add, {y, b.random("bias", {N})})});
}

TEST(FuseQdqMatMul, BecomesMatMulOnDequantizedWeights) {
  for (bool per_column : {false, true}) {
    for (bool quantize_x : {false, true}) {
      const ir::Graph before = qdq_linear({.per_column = per_column, .quantize_x = quantize_x});
      ir::Graph after = before;
      passes::fuse_qdq_matmul(after);
      EXPECT_EQ(testing::op_list(after), "MatMul,Add") << per_column << quantize_x;
      ASSERT_EQ(after.int8_weights.size(), 1u);
      const ir::Node& mm = *testing::find_op(after, Op::MatMul);
      EXPECT_EQ(after.value(mm.inputs[0]).name, "x");
      EXPECT_EQ(after.int8_weights.count(after.value(mm.inputs[1]).name), 1u);
      // Exact without X's fake quantization; with it, X's rounding (at most 0.025 per element)
      // times the largest sum of |W| down a column (K · 127 · the largest weight scale).
      const double tol = quantize_x ? 0.025 * K * 127 * 0.01 * (per_column ? N : 1) : 1e-6;
      testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({3, K}, 5)}}, tol, tol);
    }
  }
}

TEST(FuseQdqMatMul, KeepsActivationRoundTripWithOtherScales) {
  // X's DequantizeLinear has another scale than its QuantizeLinear: not a round trip, kept.
  ir::Graph g = qdq_linear({.dq_x_scale = 0.1f});
  passes::fuse_qdq_matmul(g);
  EXPECT_EQ(testing::op_list(g), "QuantizeLinear,DequantizeLinear,MatMul,Add");
  EXPECT_EQ(g.int8_weights.size(), 1u);
}

TEST(FuseQdqMatMul, LeavesNonMatrixWeightsAlone) {
  ir::Graph g = qdq_linear({.quantize_x = false, .w_dims = {1, K, N}});
  const std::string ops = testing::op_list(g);
  passes::fuse_qdq_matmul(g);
  EXPECT_EQ(testing::op_list(g), ops);
  EXPECT_TRUE(g.int8_weights.empty());
}

}  // namespace
}  // namespace bertc
