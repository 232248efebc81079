#include <gtest/gtest.h>

#include "bertc/error.h"
#include "ir/graph.h"
#include "ir/shape_infer.h"
#include "ir/verifier.h"

namespace bertc::ir {
namespace {

Graph small_graph() {
  Graph g;
  ValueId x = g.add_input("x", {DType::kF32, {Dim::sym("batch"), Dim::known(4)}});
  ValueId w = g.add_constant("w", Tensor::from_vector<float>({1, 2, 3, 4}, {4}));
  ValueId y = g.add_value("y");
  ValueId z = g.add_value("z");
  ValueId dead = g.add_value("dead");
  g.add_node(Op::Mul, "mul", {y, w}, {z});  // out of order on purpose
  g.add_node(Op::Add, "add", {x, w}, {y});
  g.add_node(Op::Neg, "unused", {x}, {dead});
  g.outputs = {z};
  return g;
}

TEST(Graph, SortsTopologicallyAndInfersSymbolicShapes) {
  Graph g = small_graph();
  g.sort_topologically();
  EXPECT_EQ(g.nodes[0].name, "add");
  infer_shapes(g);
  EXPECT_EQ(shape_str(g.value(g.find_value("z")).type.shape), "[batch, 4]");
  verify(g, "test");
}

TEST(Graph, RemoveDeadKeepsOnlyWhatOutputsNeed) {
  Graph g = small_graph();
  g.sort_topologically();
  g.remove_dead();
  EXPECT_EQ(g.nodes.size(), 2u);
  EXPECT_EQ(g.find_value("dead"), kNoValue);
  verify(g, "test");
}

TEST(Graph, VerifierRejectsUseBeforeDefinition) {
  Graph g = small_graph();  // not sorted: mul reads y before add writes it
  EXPECT_THROW(verify(g, "test"), Error);
}

TEST(Graph, SortRejectsUndefinedInputs) {
  Graph g;
  ValueId ghost = g.add_value("ghost");
  ValueId out = g.add_value("out");
  g.add_node(Op::Neg, "neg", {ghost}, {out});
  g.outputs = {out};
  try {
    g.sort_topologically();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos);
  }
}

TEST(Graph, BroadcastErrorsNameTheNode) {
  Graph g;
  ValueId a = g.add_input("a", {DType::kF32, {Dim::known(3)}});
  ValueId b = g.add_input("b", {DType::kF32, {Dim::known(4)}});
  ValueId c = g.add_value("c");
  g.add_node(Op::Add, "the_add", {a, b}, {c});
  g.outputs = {c};
  try {
    infer_shapes(g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the_add"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace bertc::ir
