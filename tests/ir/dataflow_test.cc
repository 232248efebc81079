#include "ir/dataflow.h"

#include <gtest/gtest.h>

namespace bertc::ir {
namespace {

// x -> Relu -> a;  x -> Shape -> s -> Cast -> c;  y -> Neg -> b
TEST(Dataflow, ComputedFromFollowsContentsNotShapes) {
  Graph g;
  const TypeInfo f32{DType::kF32, {Dim::known(2)}};
  const ValueId x = g.add_input("x", f32), y = g.add_input("y", f32);
  const ValueId a = g.add_value("a"), s = g.add_value("s"), c = g.add_value("c"), b = g.add_value("b");
  g.add_node(Op::Relu, "relu", {x}, {a});
  g.add_node(Op::Shape, "shape", {x}, {s});
  g.add_node(Op::Cast, "cast", {s}, {c});
  g.add_node(Op::Neg, "neg", {y}, {b});
  std::vector<bool> from(g.values.size(), false);
  from[x] = true;
  const std::vector<bool> dep = computed_from(g, from);
  EXPECT_TRUE(dep[x]);
  EXPECT_TRUE(dep[a]);
  EXPECT_FALSE(dep[s]);
  EXPECT_FALSE(dep[c]);
  EXPECT_FALSE(dep[y]);
  EXPECT_FALSE(dep[b]);
}

}  // namespace
}  // namespace bertc::ir
