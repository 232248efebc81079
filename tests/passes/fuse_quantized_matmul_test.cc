// fuse_quantized_matmul: ONNX Runtime's quantize_dynamic form → MatMul on the dequantized
// weights, recorded as int8 weights; before / after.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

// x → DynamicQuantizeLinear → MatMulInteger(·, Wq, x_zp, w_zp) → Cast → Mul(·, x_scale · w_scale)
// → Add(bias); w_scale per column when `per_column`.
ir::Graph quantized_linear(bool per_column) {
  const int64_t K = 12, N = 5;
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(K)});
  std::vector<int8_t> wq(K * N);
  for (int64_t i = 0; i < K * N; ++i) wq[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  std::vector<float> ws(per_column ? N : 1);
  for (size_t j = 0; j < ws.size(); ++j) ws[j] = 0.01f * static_cast<float>(j + 1);
  const auto q = b.ops(Op::DynamicQuantizeLinear, {x}, 3);
  ir::ValueId w = b.constant("w_quantized", Tensor::from_vector<int8_t>(wq, {K, N}));
  ir::ValueId wz = b.constant("w_zero_point", Tensor::from_vector<int8_t>(std::vector<int8_t>(ws.size(), 0), per_column ? Dims{N} : Dims{}));
  ir::ValueId y32 = b.op(Op::MatMulInteger, {q[0], w, q[2], wz});
  ir::Attrs to_float;
  to_float.set("to", int64_t{1});
  ir::ValueId yf = b.op(Op::Cast, {y32}, to_float);
  ir::ValueId scale = b.op(Op::Mul, {q[1], b.constant("w_scale", Tensor::from_vector<float>(ws, per_column ? Dims{N} : Dims{}))});
  ir::ValueId y = b.op(Op::Mul, {yf, scale});
  return b.finish({b.op(Op::Add, {y, b.random("bias", {N})})});
}

TEST(FuseQuantizedMatMul, BecomesMatMulOnDequantizedWeights) {
  for (bool per_column : {false, true}) {
    const ir::Graph before = quantized_linear(per_column);
    ir::Graph after = before;
    passes::fuse_quantized_matmul(after);
    EXPECT_EQ(testing::op_list(after), "MatMul,Add") << per_column;
    ASSERT_EQ(after.int8_weights.size(), 1u);
    const ir::Node& mm = *testing::find_op(after, Op::MatMul);
    EXPECT_EQ(after.int8_weights.count(after.value(mm.inputs[1]).name), 1u);
    // The float product differs from the int8 one by the activations' rounding only.
    testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({3, 12}, 5)}}, 0.05, 0.05);
  }
}

TEST(FuseQuantizedMatMul, LeavesOtherFormsAlone) {
  ir::Graph g = quantized_linear(false);
  // The Cast goes to int64 instead of float: not the pattern.
  for (ir::Node& node : g.nodes) {
    if (node.op == Op::Cast) node.attrs.set("to", int64_t{7});
  }
  const std::string ops = testing::op_list(g);
  passes::fuse_quantized_matmul(g);
  EXPECT_EQ(testing::op_list(g), ops);
  EXPECT_TRUE(g.int8_weights.empty());
}

}  // namespace
}  // namespace bertc
