// fuse_qkv: a Concat of Dense projections of one input becomes one Dense.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

ir::Graph projections(bool same_input, bool relu_on_one) {
  Builder b;
  ir::Shape s{Dim::sym("batch"), Dim::sym("seq"), Dim::known(4)};
  ir::ValueId x = b.input("x", DType::kF32, s);
  ir::ValueId x2 = b.input("x2", DType::kF32, s);
  ir::ValueId q = testing::linear(b, x, 4, 3, "q");
  ir::ValueId k = testing::linear(b, x, 4, 3, "k");
  ir::ValueId v = testing::linear(b, same_input ? x : x2, 4, 3, "v");
  if (relu_on_one) v = b.op(Op::Relu, {v});
  ir::ValueId c = b.op(Op::Concat, {q, k, v}, make_attrs({{"axis", int64_t{-1}}}));
  ir::Graph g = b.finish({c});
  passes::fuse_dense(g);
  return g;
}

std::map<std::string, Tensor> inputs() {
  return {{"x", testing::random_tensor({2, 5, 4}, 1)},
          {"x2", testing::random_tensor({2, 5, 4}, 2)}};
}

TEST(FuseQkv, ThreeProjectionsOfOneInput) {
  ir::Graph before = projections(true, false);
  ASSERT_EQ(testing::op_list(before), "Dense,Dense,Dense,Concat");
  ir::Graph after = before;
  passes::fuse_qkv(after);
  ASSERT_EQ(testing::op_list(after), "Dense");
  EXPECT_EQ(after.value(after.nodes[0].inputs[1]).data->shape(), (Dims{4, 9}));
  EXPECT_EQ(after.value(after.nodes[0].inputs[2]).data->shape(), (Dims{9}));
  EXPECT_EQ(ir::shape_str(after.value(after.outputs[0]).type.shape), "[batch, seq, 9]");
  testing::expect_same_outputs(before, after, inputs());
}

TEST(FuseQkv, DifferentInputsOrActivationsStay) {
  for (auto [same, relu] : {std::pair{false, false}, std::pair{true, true}}) {
    ir::Graph before = projections(same, relu);
    ir::Graph after = before;
    passes::fuse_qkv(after);
    EXPECT_EQ(testing::count_op(after, Op::Concat), 1);
    testing::expect_same_outputs(before, after, inputs());
  }
}

}  // namespace
}  // namespace bertc
