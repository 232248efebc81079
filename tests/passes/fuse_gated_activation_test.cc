// fuse_gated_activation: ModernBERT's GeGLU — the two halves of a projection (a Split in two, or
// two Slices as torch exports chunk), GELU on the first, times the second — into
// bertc.GatedActivation; look-alikes stay as they are.
#include <gtest/gtest.h>

#include <cmath>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

// kOverlap: Slices [0, 4) and [3, 7), not the two halves.
enum class Halves { kSplit, kSlices, kGeluOnSecond, kOverlap };

// y = GELU(x[..., :4]) · x[..., 4:] on x [batch, seq, 8], GELU as torch exports it (erf form).
ir::Graph geglu_graph(Halves halves) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(8)});
  ir::ValueId first, second;
  if (halves == Halves::kSlices || halves == Halves::kOverlap) {
    auto slice = [&](int64_t begin, int64_t end) {
      return b.op(Op::Slice, {x, b.ints({begin}), b.ints({end}), b.ints({-1}), b.ints({1})});
    };
    first = slice(0, 4);
    second = halves == Halves::kOverlap ? slice(3, 7) : slice(4, 8);
  } else {
    const std::vector<int64_t> sizes = {4, 4};
    first = b.g.add_value("half_0");
    second = b.g.add_value("half_1");
    b.g.add_node(Op::Split, "split", {x, b.ints(sizes)}, {first, second}, make_attrs({{"axis", int64_t{-1}}}));
  }
  if (halves == Halves::kGeluOnSecond) std::swap(first, second);
  ir::ValueId inner = b.op(Op::Add, {b.op(Op::Erf, {b.op(Op::Div, {first, b.scalar(std::sqrt(2.0f))})}), b.scalar(1.0f)});
  ir::ValueId gelu = b.op(Op::Mul, {b.op(Op::Mul, {first, inner}), b.scalar(0.5f)});
  return b.finish({b.op(Op::Mul, {gelu, second})});
}

std::map<std::string, Tensor> inputs() { return {{"x", testing::random_tensor({2, 3, 8}, 5, 3.0f)}}; }

TEST(FuseGatedActivation, SplitAndSlicesBecomeOneNode) {
  for (Halves h : {Halves::kSplit, Halves::kSlices}) {
    ir::Graph before = geglu_graph(h);
    ir::Graph after = before;
    passes::fuse_gated_activation(after);
    ASSERT_EQ(testing::count_op(after, Op::GatedActivation), 1) << ir::graph_to_string(after);
    EXPECT_EQ(after.nodes.size(), 1u) << ir::graph_to_string(after);
    EXPECT_EQ(testing::find_op(after, Op::GatedActivation)->attrs.get_int("activation"), 1);
    testing::expect_same_outputs(before, after, inputs(), 1e-5);
  }
}

TEST(FuseGatedActivation, LookAlikesAreNotFused) {
  for (Halves h : {Halves::kGeluOnSecond, Halves::kOverlap}) {
    ir::Graph g = geglu_graph(h);
    passes::fuse_gated_activation(g);
    EXPECT_EQ(testing::count_op(g, Op::GatedActivation), 0) << ir::graph_to_string(g);
  }
}

}  // namespace
}  // namespace bertc
