// fold_shapes: Shape → Gather → Unsqueeze → Concat → Reshape chains on symbolic dims.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

const Tensor* constant_input(const ir::Graph& g, const ir::Node& node, size_t i) {
  return g.value(node.inputs[i]).data.get();
}

// x [batch, seq, 12] → Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), <second>, [3], [4]))
// → Transpose(0, 2, 1, 3), as torch exports transpose_for_scores.
ir::Graph heads_graph(bool distilbert_style) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(12)});
  ir::ValueId y = b.op(Op::Add, {x, b.scalar(1.0f)});  // a non-input value, like a projection
  ir::ValueId shape = b.op(Op::Shape, {y});
  ir::ValueId batch =
      b.op(Op::Gather, {shape, b.int_scalar(0)}, make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId seq =
      b.op(Op::Gather, {b.op(Op::Shape, {y}), b.int_scalar(1)}, make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId ub = b.op(Op::Unsqueeze, {batch, b.ints({0})});
  ir::ValueId second = distilbert_style ? b.ints({-1}) : b.op(Op::Unsqueeze, {seq, b.ints({0})});
  ir::ValueId target =
      b.op(Op::Concat, {ub, second, b.ints({3}), b.ints({4})}, make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId r = b.op(Op::Reshape, {y, target});
  ir::ValueId t =
      b.op(Op::Transpose, {r}, make_attrs({{"perm", std::vector<int64_t>{0, 2, 1, 3}}}));
  return b.finish({t});
}

TEST(FoldShapes, ReshapeTargetFromShapesBecomesConstant) {
  for (bool distil : {false, true}) {
    ir::Graph before = heads_graph(distil);
    EXPECT_EQ(testing::count_op(before, Op::Shape), 2);
    ir::Graph after = before;
    passes::fold_shapes(after);
    EXPECT_EQ(testing::op_list(after), "Add,Reshape,Transpose");
    const ir::Node* reshape = testing::find_op(after, Op::Reshape);
    ASSERT_NE(reshape, nullptr);
    const Tensor* target = constant_input(after, *reshape, 1);
    ASSERT_NE(target, nullptr);
    EXPECT_EQ(target->to_int64_vector(),
              (distil ? std::vector<int64_t>{0, -1, 3, 4} : std::vector<int64_t>{0, 0, 3, 4}));
    EXPECT_EQ(ir::shape_str(after.value(after.outputs[0]).type.shape), "[batch, 3, seq, 4]");
    testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({2, 5, 12}, 1)}},
                                 0.0);
  }
}

TEST(FoldShapes, KnownShapeBecomesConstant) {
  // RoBERTa's token-type chain: Shape(Reshape(Concat(batch, seq), [-1])) is [2].
  Builder b;
  ir::ValueId ids = b.input("ids", DType::kI64, {Dim::sym("batch"), Dim::sym("seq")});
  ir::ValueId s = b.op(Op::Shape, {ids});
  ir::ValueId bt = b.op(Op::Unsqueeze, {b.op(Op::Gather, {s, b.int_scalar(0)}), b.ints({0})});
  ir::ValueId sq = b.op(Op::Unsqueeze, {b.op(Op::Gather, {s, b.int_scalar(1)}), b.ints({0})});
  ir::ValueId c = b.op(
      Op::Reshape, {b.op(Op::Concat, {bt, sq}, make_attrs({{"axis", int64_t{0}}})), b.ints({-1})});
  ir::ValueId len = b.op(Op::Shape, {c});
  ir::ValueId ones = b.op(Op::ConstantOfShape, {len},
                          make_attrs({{"value", Tensor::from_vector<int64_t>({1}, {1})}}));
  ir::ValueId minus = b.op(Op::Mul, {ones, b.int_scalar(-1)});
  ir::ValueId eq = b.op(Op::Equal, {c, minus});
  ir::ValueId w = b.op(Op::Where, {eq, ones, c});
  ir::ValueId e = b.op(Op::Expand, {b.constant("zeros", Tensor::empty(DType::kI64, {1, 1})), w});
  ir::Graph before = b.finish({e});
  ir::Graph after = before;
  passes::fold_shapes(after);
  // Shape(c) = [2] is constant, and with it ConstantOfShape, Mul and the Equal
  // ([batch, seq] == [-1, -1]: a dim is never negative).
  EXPECT_EQ(testing::op_list(after),
            "Shape,Gather,Unsqueeze,Gather,Unsqueeze,Concat,Reshape,Where,Expand");
  testing::expect_same_outputs(before, after,
                               {{"ids", testing::int_tensor({1, 2, 3, 4, 5, 6}, {2, 3})}}, 0.0);
}

TEST(FoldShapes, OneUnknownElementBecomesMinusOne) {
  // Reshape [batch, seq, 12] to [batch * seq, 12]: the product is no dim of the input, but it is
  // the only unknown element.
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(12)});
  ir::ValueId s = b.op(Op::Shape, {x});
  ir::ValueId n = b.op(
      Op::Mul, {b.op(Op::Gather, {s, b.int_scalar(0)}), b.op(Op::Gather, {s, b.int_scalar(1)})});
  ir::ValueId target = b.op(Op::Concat, {b.op(Op::Unsqueeze, {n, b.ints({0})}), b.ints({12})},
                            make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId r = b.op(Op::Reshape, {x, target});
  ir::Graph before = b.finish({r});
  ir::Graph after = before;
  passes::fold_shapes(after);
  ASSERT_EQ(testing::op_list(after), "Reshape");
  EXPECT_EQ(constant_input(after, after.nodes[0], 1)->to_int64_vector(),
            (std::vector<int64_t>{-1, 12}));
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({2, 3, 12}, 2)}}, 0.0);
}

TEST(FoldShapes, UnresolvableTargetIsLeftAlone) {
  // [batch, seq, hidden] → [batch * seq, hidden]: two elements that are not the input's dims
  // at their positions.
  Builder b;
  ir::ValueId x =
      b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::sym("hidden")});
  ir::ValueId s = b.op(Op::Shape, {x});
  ir::ValueId n = b.op(
      Op::Mul, {b.op(Op::Gather, {s, b.int_scalar(0)}), b.op(Op::Gather, {s, b.int_scalar(1)})});
  ir::ValueId h = b.op(Op::Gather, {s, b.ints({2})});
  ir::ValueId target = b.op(Op::Concat, {b.op(Op::Unsqueeze, {n, b.ints({0})}), h},
                            make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId r = b.op(Op::Reshape, {x, target});
  ir::Graph before = b.finish({r});
  ir::Graph after = before;
  passes::fold_shapes(after);
  EXPECT_EQ(testing::op_list(after), testing::op_list(before));
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({2, 3, 12}, 2)}}, 0.0);
}

}  // namespace
}  // namespace bertc
