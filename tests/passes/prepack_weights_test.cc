// prepack_weights and set_fast_math: the -O3 passes on bertc.Dense.
#include <gtest/gtest.h>

#include "ir/op_attrs.h"
#include "ir/packed_weights.h"
#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

TEST(PrepackWeights, DenseWeightsArePackedAndSharedOnce) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(10)});
  ir::ValueId w = b.random("w", {10, 21});
  ir::Attrs attrs;
  attrs.set("activation", int64_t{1});
  attrs.set("packed", int64_t{0});
  ir::ValueId y1 = b.op(Op::Dense, {x, w, b.random("b", {21})}, attrs);
  ir::ValueId y2 = b.op(Op::Dense, {x, w}, attrs);  // the same W (tied weights)
  ir::Graph before = b.finish({y1, y2});
  ir::Graph after = before;
  passes::prepack_weights(after);
  passes::set_fast_math(after, true);
  ASSERT_EQ(testing::op_list(after), "Dense,Dense");
  for (const ir::Node& node : after.nodes) {
    EXPECT_EQ(node.attrs.get_int("packed"), 1);
    EXPECT_EQ(node.attrs.get_int("k"), 10);
    EXPECT_EQ(node.attrs.get_int("n"), 21);
    EXPECT_EQ(node.attrs.get_int("fast_math"), 1);
    EXPECT_EQ(after.value(node.inputs[1]).data->shape(), (Dims{ir::dense_packed_size(10, 21)}));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(after.value(node.inputs[1]).data->raw()) % 64, 0u);
  }
  EXPECT_EQ(after.nodes[0].inputs[1], after.nodes[1].inputs[1]);
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({3, 10}, 4)}}, 0.0);
}

}  // namespace
}  // namespace bertc
