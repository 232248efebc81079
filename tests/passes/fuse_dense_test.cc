// fuse_dense: MatMul/Gemm + bias + activation + residual → bertc.Dense.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

ir::Shape hidden(int64_t h) { return {Dim::sym("batch"), Dim::sym("seq"), Dim::known(h)}; }
std::map<std::string, Tensor> x_input(int64_t h, uint32_t seed = 1) {
  return {{"x", testing::random_tensor({2, 3, h}, seed, 2.0f)}};
}

TEST(FuseDense, MatMulBiasFirst) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(8));
  ir::ValueId y = testing::linear(b, x, 8, 5, "fc");
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_dense(after);
  ASSERT_EQ(testing::op_list(after), "Dense");
  const ir::Node& d = after.nodes[0];
  EXPECT_EQ(d.inputs.size(), 3u);
  EXPECT_EQ(d.attrs.get_int("activation"), 0);
  EXPECT_EQ(d.attrs.get_int("packed"), 0);
  EXPECT_EQ(ir::shape_str(after.value(after.outputs[0]).type.shape), "[batch, seq, 5]");
  testing::expect_same_outputs(before, after, x_input(8));
}

TEST(FuseDense, ActivationsAndResidual) {
  struct Case {
    const char* name;
    int64_t activation;
  };
  for (Case c : {Case{"gelu_erf", 1}, Case{"gelu_tanh", 2}, Case{"relu", 3}, Case{"tanh", 4}}) {
    Builder b;
    ir::ValueId x = b.input("x", DType::kF32, hidden(8));
    ir::ValueId h = testing::linear(b, x, 8, 16, "up");
    switch (c.activation) {
      case 1:
        h = testing::gelu_erf(b, h);
        break;
      case 2:
        h = testing::gelu_tanh(b, h);
        break;
      case 3:
        h = b.op(Op::Relu, {h});
        break;
      default:
        h = b.op(Op::Tanh, {h});
        break;
    }
    ir::ValueId down = testing::linear(b, h, 16, 8, "down");
    ir::ValueId y = b.op(Op::Add, {down, x});  // residual
    ir::Graph before = b.finish({y});
    ir::Graph after = before;
    passes::fuse_dense(after);
    ASSERT_EQ(testing::op_list(after), "Dense,Dense") << c.name;
    EXPECT_EQ(after.nodes[0].attrs.get_int("activation"), c.activation) << c.name;
    EXPECT_FALSE(after.nodes[0].has_input(3));
    ASSERT_TRUE(after.nodes[1].has_input(3)) << c.name;
    EXPECT_EQ(after.value(after.nodes[1].inputs[3]).name, "x");
    testing::expect_same_outputs(before, after, x_input(8, 2));
  }
}

TEST(FuseDense, GemmTransB) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(6)});
  ir::ValueId y = b.op(Op::Gemm, {x, b.random("w", {4, 6}), b.random("bias", {4})},
                       make_attrs({{"alpha", 1.0f}, {"beta", 1.0f}, {"transB", int64_t{1}}}));
  ir::ValueId t = b.op(Op::Tanh, {y});
  ir::Graph before = b.finish({t});
  ir::Graph after = before;
  passes::fuse_dense(after);
  ASSERT_EQ(testing::op_list(after), "Dense");
  EXPECT_EQ(after.nodes[0].attrs.get_int("activation"), 4);
  EXPECT_EQ(after.value(after.nodes[0].inputs[1]).data->shape(), (Dims{6, 4}));
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({3, 6}, 3)}});
}

TEST(FuseDense, GemmWithAlphaIsLeftAlone) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(6)});
  ir::ValueId y = b.op(Op::Gemm, {x, b.random("w", {4, 6})},
                       make_attrs({{"alpha", 2.0f}, {"transB", int64_t{1}}}));
  ir::Graph g = b.finish({y});
  passes::fuse_dense(g);
  EXPECT_EQ(testing::op_list(g), "Gemm");
}

TEST(FuseDense, ProductReadTwiceKeepsItsAdd) {
  // The MatMul's output is also a graph output: the bias add cannot be fused, but the MatMul
  // still becomes a Dense without bias.
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(4));
  ir::ValueId mm = b.op(Op::MatMul, {x, b.random("w", {4, 4})});
  ir::ValueId y = b.op(Op::Add, {mm, b.random("bias", {4})});
  ir::Graph before = b.finish({y, mm});
  ir::Graph after = before;
  passes::fuse_dense(after);
  EXPECT_EQ(testing::op_list(after), "Dense,Add");
  EXPECT_EQ(after.nodes[0].inputs.size(), 2u);
  testing::expect_same_outputs(before, after, x_input(4));
}

TEST(FuseDense, GeluWhoseInputIsReadElsewhereIsNotFused) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(4));
  ir::ValueId h = testing::linear(b, x, 4, 4, "fc");
  ir::ValueId g = testing::gelu_erf(b, h);
  ir::ValueId y = b.op(Op::Add, {g, h});  // h read outside the GELU
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_dense(after);
  EXPECT_EQ(testing::count_op(after, Op::Erf), 1);
  EXPECT_EQ(testing::find_op(after, Op::Dense)->attrs.get_int("activation"), 0);
  testing::expect_same_outputs(before, after, x_input(4));
}

TEST(FuseDense, ResidualOfAnotherShapeIsNotFused) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(4));
  ir::ValueId r = b.input("r", DType::kF32, {Dim::known(1), Dim::known(1), Dim::known(4)});
  ir::ValueId y = b.op(Op::Add, {testing::linear(b, x, 4, 4, "fc"), r});
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_dense(after);
  EXPECT_EQ(testing::op_list(after), "Dense,Add");
  auto inputs = x_input(4);
  inputs["r"] = testing::random_tensor({1, 1, 4}, 9);
  testing::expect_same_outputs(before, after, inputs);
}

}  // namespace
}  // namespace bertc
