// The packing analysis (which nodes run on real tokens only, which input is the mask) on small
// graphs, and reading lengths from attention masks.
#include "runtime/packing.h"

#include <gtest/gtest.h>

namespace bertc::runtime {
namespace {

// ids[B, S] -> EmbedLayerNorm -> Dense -> [middle op] -> Attention(bias from mask) -> Gather
// (a pooler reading token 0). `middle` is Relu (per token) or Transpose (mixes tokens).
ir::Graph little_encoder(ir::Op middle) {
  ir::Graph g;
  const auto B = ir::Dim::sym("batch"), S = ir::Dim::sym("seq");
  const ir::ValueId ids = g.add_input("input_ids", {DType::kI64, {B, S}});
  const ir::ValueId mask = g.add_input("attention_mask", {DType::kI64, {B, S}});
  auto constant = [&](const std::string& name, Dims dims) {
    return g.add_constant(name, Tensor::empty(DType::kF32, std::move(dims)));
  };
  const ir::ValueId positions = g.add_constant("positions", Tensor::empty(DType::kI64, {1, 4}));
  const ir::ValueId emb = g.add_value("emb"), qkv = g.add_value("qkv"), mid = g.add_value("mid"),
                    bias = g.add_value("bias"), att = g.add_value("att"), pooled = g.add_value("pooled");
  ir::Attrs eps;
  eps.set("epsilon", 1e-12f);
  g.add_node(ir::Op::EmbedLayerNorm, "embed",
             {ids, ir::kNoValue, positions, constant("word", {10, 6}), ir::kNoValue,
              constant("pos", {4, 6}), constant("gamma", {6}), constant("beta", {6})},
             {emb}, eps);
  g.add_node(ir::Op::Dense, "qkv", {emb, constant("w", {6, 18})}, {qkv});
  ir::Attrs perm;
  if (middle == ir::Op::Transpose) perm.set("perm", std::vector<int64_t>{1, 0, 2});
  g.add_node(middle, "middle", {qkv}, {mid}, perm);
  g.add_node(ir::Op::Cast, "mask_bias", {mask}, {bias}, [] {
    ir::Attrs a;
    a.set("to", int64_t{1});
    return a;
  }());
  ir::Attrs heads;
  heads.set("num_heads", int64_t{2});
  heads.set("scale", 0.5f);
  g.add_node(ir::Op::Attention, "attention", {mid, bias}, {att}, heads);
  ir::Attrs axis;
  axis.set("axis", int64_t{1});
  g.add_node(ir::Op::Gather, "pooler",
             {att, g.add_constant("zero", Tensor::empty(DType::kI64, {}))}, {pooled}, axis);
  g.outputs = {att, pooled};
  return g;
}

TEST(PackingRegion, PerTokenOpsAndAttentionRunPacked) {
  const ir::Graph g = little_encoder(ir::Op::Relu);
  const PackingRegion r = find_packing_region(g);
  ASSERT_TRUE(r.packable()) << r.refused;
  EXPECT_EQ(r.mask_input, 1);
  // embed, qkv, middle, attention in; the mask arithmetic and the pooler out.
  EXPECT_EQ(r.node_in_region, (std::vector<bool>{true, true, true, false, true, false}));
}

TEST(PackingRegion, AnOpThatMixesTokensTurnsPackingOff) {
  const PackingRegion r = find_packing_region(little_encoder(ir::Op::Transpose));
  EXPECT_FALSE(r.packable());
  EXPECT_NE(r.refused.find("no fused attention"), std::string::npos) << r.refused;
}

TEST(PackingRegion, NoFusedEmbeddingsNoPacking) {
  ir::Graph g = little_encoder(ir::Op::Relu);
  g.nodes[0].op = ir::Op::Identity;  // as if the embeddings had not been fused
  g.nodes[0].inputs = {g.nodes[0].inputs[0]};
  const PackingRegion r = find_packing_region(g);
  EXPECT_FALSE(r.packable());
  EXPECT_NE(r.refused.find("no fused embeddings"), std::string::npos) << r.refused;
}

Tensor mask_of(std::vector<int64_t> values, int64_t B, int64_t S) {
  return Tensor::from_vector(values, {B, S});
}

TEST(RightPaddedLengths, ReadsEachRowsLength) {
  std::string why;
  EXPECT_EQ(right_padded_lengths(mask_of({1, 1, 0, 1, 0, 0, 1, 1, 1}, 3, 3), &why),
            (std::vector<int64_t>{2, 1, 3}));
  const Tensor f = Tensor::from_vector(std::vector<float>{1, 0, 1, 1}, {2, 2});
  EXPECT_EQ(right_padded_lengths(f, &why), (std::vector<int64_t>{1, 2}));
}

TEST(RightPaddedLengths, HolesLeftPaddingAndEmptyRowsAreNotRightPadding) {
  std::string why;
  EXPECT_TRUE(right_padded_lengths(mask_of({1, 0, 1}, 1, 3), &why).empty());
  EXPECT_NE(why.find("row 0 of the mask has a hole"), std::string::npos) << why;
  EXPECT_TRUE(right_padded_lengths(mask_of({1, 1, 1, 0, 1, 1}, 2, 3), &why).empty());
  EXPECT_NE(why.find("row 1 of the mask has left padding"), std::string::npos) << why;
  EXPECT_TRUE(right_padded_lengths(mask_of({1, 1, 0, 0}, 2, 2), &why).empty());
  EXPECT_NE(why.find("row 1 of the mask is all zeros"), std::string::npos) << why;
  EXPECT_TRUE(right_padded_lengths(Tensor::from_vector(std::vector<int64_t>{1, 1}, {2}), &why).empty());
  EXPECT_NE(why.find("not [batch, seq]"), std::string::npos) << why;
}

}  // namespace
}  // namespace bertc::runtime
