// use_onednn_gemm: Dense nodes are marked for oneDNN, W left [K, N]; the pipeline applies it
// (instead of prepack_weights) for CompileOptions::gemm = "onednn".
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;

ir::Graph two_dense() {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::known(10)});
  ir::Attrs attrs;
  attrs.set("activation", int64_t{1});
  ir::ValueId y = b.op(Op::Dense, {x, b.random("w1", {10, 21}), b.random("b", {21})}, attrs);
  ir::ValueId z = b.op(Op::Dense, {y, b.random("w2", {21, 5})}, {});
  return b.finish({z});
}

TEST(UseOnednnGemm, MarksDenseAndKeepsWeightsUnpacked) {
  ir::Graph before = two_dense();
  ir::Graph after = before;
  passes::use_onednn_gemm(after);
  ASSERT_EQ(testing::op_list(after), "Dense,Dense");
  for (const ir::Node& node : after.nodes) {
    EXPECT_EQ(node.attrs.get_string("gemm"), "onednn");
    EXPECT_EQ(node.attrs.get_int("packed", 0), 0);
    EXPECT_EQ(after.value(node.inputs[1]).data->rank(), 2);
  }
  testing::expect_same_outputs(before, after, {{"x", testing::random_tensor({3, 10}, 4)}}, 0.0);
}

TEST(UseOnednnGemm, PipelineMarksInsteadOfPrepacking) {
  for (const char* gemm : {"bertc", "onednn"}) {
    ir::Graph g = two_dense();
    passes::optimize(g, {.opt_level = 3, .gemm = gemm});
    for (const ir::Node& node : g.nodes) {
      if (node.op != Op::Dense) continue;
      EXPECT_EQ(node.attrs.get_string("gemm", "bertc"), gemm);
      EXPECT_EQ(node.attrs.get_int("packed", 0), std::string(gemm) == "bertc" ? 1 : 0);
    }
  }
}

}  // namespace
}  // namespace bertc
