// eliminate_common_subexpressions: equal constants and repeated nodes are merged.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

TEST(EliminateCommonSubexpressions, PerLayerMaskComputationsMerge) {
  Builder b;
  ir::ValueId mask = b.input("attention_mask", DType::kI64, {Dim::sym("batch"), Dim::sym("seq")});
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq")});
  // Two "layers" each computing Where(Equal(mask, 0), -inf-ish, 0) with their own constants.
  std::vector<ir::ValueId> outs;
  for (int layer = 0; layer < 2; ++layer) {
    ir::ValueId eq = b.op(Op::Equal, {mask, b.int_scalar(0)});
    ir::ValueId w = b.op(Op::Where, {eq, b.scalar(-1e30f), b.scalar(0.0f)});
    outs.push_back(b.op(Op::Add, {x, w}));
  }
  ir::ValueId y = b.op(Op::Mul, {outs[0], outs[1]});
  ir::Graph before = b.finish({y});
  ir::Graph after = before;
  passes::eliminate_common_subexpressions(after);
  // Both Adds compute x + w with the same w, so they merge too.
  EXPECT_EQ(testing::op_list(after), "Equal,Where,Add,Mul");
  testing::expect_same_outputs(before, after,
                               {{"attention_mask", testing::int_tensor({1, 0, 1, 1}, {2, 2})},
                                {"x", testing::random_tensor({2, 2}, 1)}},
                               0.0);
}

TEST(EliminateCommonSubexpressions, GraphOutputsAndDifferentAttrsStay) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::known(2), Dim::known(3)});
  ir::ValueId a = b.op(Op::Transpose, {x}, make_attrs({{"perm", std::vector<int64_t>{1, 0}}}));
  ir::ValueId c = b.op(Op::Transpose, {x}, make_attrs({{"perm", std::vector<int64_t>{1, 0}}}));
  ir::ValueId d = b.op(Op::Softmax, {x}, make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId e = b.op(Op::Softmax, {x}, make_attrs({{"axis", int64_t{1}}}));
  ir::Graph g = b.finish({a, c, d, e});
  passes::eliminate_common_subexpressions(g);
  EXPECT_EQ(testing::op_list(g), "Transpose,Transpose,Softmax,Softmax");
}

}  // namespace
}  // namespace bertc
