// fuse_layer_norm: decomposed and ONNX layer norms, with the residual add folded into skip.
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

TEST(FuseLayerNorm, DecomposedWithResidualAdd) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(8));
  ir::ValueId r = b.input("r", DType::kF32, hidden(8));
  ir::ValueId sum = b.op(Op::Add, {x, r});
  ir::ValueId y = testing::layer_norm_decomposed(b, sum, 8, "ln");
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_layer_norm(after);
  ASSERT_EQ(testing::op_list(after), "LayerNorm");
  const ir::Node& ln = after.nodes[0];
  EXPECT_EQ(ln.inputs.size(), 4u);
  EXPECT_EQ(after.value(ln.inputs[0]).name, "x");
  EXPECT_EQ(after.value(ln.inputs[3]).name, "r");
  EXPECT_FLOAT_EQ(ln.attrs.get_float("epsilon"), 1e-12f);
  EXPECT_EQ(after.value(after.outputs[0]).name, before.value(before.outputs[0]).name);
  testing::expect_same_outputs(before, after,
                               {{"x", testing::random_tensor({2, 3, 8}, 1, 3.0f)},
                                {"r", testing::random_tensor({2, 3, 8}, 2)}});
}

TEST(FuseLayerNorm, OnnxLayerNormalization) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(6));
  ir::ValueId y =
      b.op(Op::LayerNormalization, {x, b.random("g", {6}, 0.1f, 1.0f), b.random("b", {6}, 0.1f)},
           make_attrs({{"axis", int64_t{-1}}, {"epsilon", 1e-5f}}));
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_layer_norm(after);
  ASSERT_EQ(testing::op_list(after), "LayerNorm");
  EXPECT_FLOAT_EQ(after.nodes[0].attrs.get_float("epsilon"), 1e-5f);
  EXPECT_EQ(after.nodes[0].inputs.size(), 3u);  // x is a graph input: no add to fold
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({1, 4, 6}, 3, 2.0f)}});
}

TEST(FuseLayerNorm, AddWithConstantIsNotASkip) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(6));
  ir::ValueId sum = b.op(Op::Add, {x, b.random("c", {6})});
  ir::ValueId y = b.op(Op::LayerNormalization, {sum, b.random("g", {6}), b.random("b", {6})},
                       make_attrs({{"epsilon", 1e-5f}}));
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_layer_norm(after);
  EXPECT_EQ(testing::op_list(after), "Add,LayerNorm");
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({1, 4, 6}, 3)}});
}

TEST(FuseLayerNorm, IntermediateReadElsewhereIsNotFused) {
  // The centred value d = x - mean is also a graph output: the pattern must stay.
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(4));
  ir::ValueId y = testing::layer_norm_decomposed(b, x, 4, "ln");
  ir::Graph before = b.finish({y});
  ir::ValueId d = before.nodes[1].outputs[0];  // the Sub
  before.outputs.push_back(d);
  ir::Graph after = before;
  passes::fuse_layer_norm(after);
  EXPECT_EQ(testing::count_op(after, Op::LayerNorm), 0);
  EXPECT_EQ(after.nodes.size(), before.nodes.size());
}

TEST(FuseLayerNorm, MeanOverTwoAxesIsNotALayerNorm) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, hidden(4));
  ir::Attrs axes = make_attrs({{"axes", std::vector<int64_t>{-2, -1}}});
  ir::ValueId mean = b.op(Op::ReduceMean, {x}, axes);
  ir::ValueId d = b.op(Op::Sub, {x, mean});
  ir::ValueId var = b.op(Op::ReduceMean, {b.op(Op::Pow, {d, b.scalar(2.0f)})}, axes);
  ir::ValueId y = b.op(Op::Div, {d, b.op(Op::Sqrt, {b.op(Op::Add, {var, b.scalar(1e-5f)})})});
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::fuse_layer_norm(after);
  EXPECT_EQ(testing::count_op(after, Op::LayerNorm), 0);
}

}  // namespace
}  // namespace bertc
