// fuse_embed_layer_norm: the BERT, RoBERTa and DistilBERT embeddings.
#include <gtest/gtest.h>

#include "pass_test_util.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

constexpr int64_t kH = 8, kVocab = 20, kPositions = 12;

enum class Model { kBert, kRoberta, kDistilBert };

ir::Graph embeddings(Model model) {
  Builder b;
  ir::Shape bs{Dim::sym("batch"), Dim::sym("seq")};
  ir::ValueId ids = b.input("input_ids", DType::kI64, bs);
  ir::ValueId seq = b.op(Op::Gather, {b.op(Op::Shape, {ids}), b.int_scalar(1)},
                         make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId word =
      b.op(Op::Gather, {b.random("embeddings.word_embeddings.weight", {kVocab, kH}), ids});
  ir::ValueId positions, types = ir::kNoValue;
  int64_t type_rows = 2;
  if (model == Model::kBert) {
    std::vector<int64_t> p(kPositions);
    for (int64_t i = 0; i < kPositions; ++i) p[i] = i;
    ir::ValueId pos_ids =
        b.constant("position_ids", Tensor::from_vector<int64_t>(p, {1, kPositions}));
    positions = b.op(Op::Slice, {pos_ids, b.ints({0}), b.op(Op::Unsqueeze, {seq, b.ints({0})}),
                                 b.ints({1}), b.ints({1})});
    types = b.input("token_type_ids", DType::kI64, bs);
  } else if (model == Model::kRoberta) {
    ir::ValueId m = b.op(Op::Cast, {b.op(Op::Not, {b.op(Op::Equal, {ids, b.int_scalar(1)})})},
                         make_attrs({{"to", static_cast<int64_t>(DType::kI32)}}));
    ir::ValueId cs = b.op(Op::CumSum, {m, b.int_scalar(1)});
    ir::ValueId inc = b.op(Op::Cast, {b.op(Op::Mul, {cs, m})},
                           make_attrs({{"to", static_cast<int64_t>(DType::kI64)}}));
    positions = b.op(Op::Add, {inc, b.int_scalar(1)});
    types = b.op(Op::ConstantOfShape, {b.op(Op::Shape, {ids})},
                 make_attrs({{"value", Tensor::from_vector<int64_t>({0}, {1})}}));
    type_rows = 1;
  } else {
    ir::ValueId n = b.op(Op::Cast, {seq}, make_attrs({{"to", static_cast<int64_t>(DType::kI64)}}));
    ir::ValueId r = b.op(Op::Range, {b.int_scalar(0), n, b.int_scalar(1)});
    positions = b.op(Op::Expand, {b.op(Op::Unsqueeze, {r, b.ints({0})}), b.op(Op::Shape, {ids})});
  }
  ir::ValueId sum = word;
  if (types != ir::kNoValue) {
    sum = b.op(
        Op::Add,
        {sum, b.op(Op::Gather,
                   {b.random("embeddings.token_type_embeddings.weight", {type_rows, kH}), types})});
  }
  ir::ValueId pe = b.op(
      Op::Gather, {b.random("embeddings.position_embeddings.weight", {kPositions, kH}), positions});
  sum = b.op(Op::Add, {sum, pe});
  ir::ValueId y = testing::layer_norm_decomposed(b, sum, kH, "embeddings.LayerNorm");
  return b.finish({y});
}

std::map<std::string, Tensor> inputs(Model model) {
  std::map<std::string, Tensor> in{
      {"input_ids", testing::int_tensor({0, 5, 7, 19, 3, 1, 4, 9, 2, 1}, {2, 5})}};
  if (model == Model::kBert)
    in["token_type_ids"] = testing::int_tensor({0, 0, 1, 1, 1, 0, 1, 0, 0, 0}, {2, 5});
  return in;
}

TEST(FuseEmbedLayerNorm, AllThreeModels) {
  for (Model model : {Model::kBert, Model::kRoberta, Model::kDistilBert}) {
    SCOPED_TRACE(static_cast<int>(model));
    ir::Graph before = embeddings(model);
    ir::Graph after = before;
    passes::fold_shapes(after);
    passes::fuse_layer_norm(after);
    passes::fuse_embed_layer_norm(after);
    ASSERT_EQ(testing::count_op(after, Op::EmbedLayerNorm), 1) << ir::graph_to_string(after);
    EXPECT_EQ(testing::count_op(after, Op::LayerNorm), 0);
    EXPECT_EQ(testing::count_op(after, Op::Add),
              model == Model::kRoberta ? 1 : 0);  // positions + 1
    const ir::Node& e = *testing::find_op(after, Op::EmbedLayerNorm);
    EXPECT_EQ(after.value(e.inputs[0]).name, "input_ids");
    // BERT keeps its token types; RoBERTa's one-row type table is folded into the positions.
    EXPECT_EQ(e.has_input(1), model == Model::kBert);
    EXPECT_EQ(e.has_input(4), model == Model::kBert);
    EXPECT_EQ(testing::count_op(after, Op::ConstantOfShape), 0);
    EXPECT_FLOAT_EQ(e.attrs.get_float("epsilon"), 1e-12f);
    testing::expect_same_outputs(before, after, inputs(model), 2e-5);
  }
}

TEST(FuseEmbedLayerNorm, SumOfNonGathersStays) {
  Builder b;
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(kH)});
  ir::ValueId ids = b.input("input_ids", DType::kI64, {Dim::sym("batch"), Dim::sym("seq")});
  ir::ValueId word = b.op(Op::Gather, {b.random("word_embeddings", {kVocab, kH}), ids});
  ir::ValueId y = testing::layer_norm_decomposed(b, b.op(Op::Add, {word, x}), kH, "ln");
  ir::Graph g = b.finish({y});
  passes::fuse_layer_norm(g);
  passes::fuse_embed_layer_norm(g);
  EXPECT_EQ(testing::op_list(g), "Gather,LayerNorm");
}

}  // namespace
}  // namespace bertc
