// fuse_attention (+ fuse_qkv): the self-attention of the BERT / RoBERTa and DistilBERT exports,
// MPNet's relative position bias (a bias by distance, evaluated into a table), and DeBERTa's
// disentangled attention on heads flattened into the batch.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "pass_test_util.h"
#include "passes/position_tables.h"
#include "passes/passes.h"

namespace bertc {
namespace {

using ir::Dim;
using ir::Op;
using testing::Builder;
using testing::make_attrs;

constexpr int64_t kHeads = 2, kDim = 3, kHidden = kHeads * kDim;
constexpr float kMin = -3.4028234663852886e38f;

enum class Style { kBert, kDistilBert };

// How a position bias [1, NH, S, S] (added to the scores before the mask) is made from x's
// length: none; by distance, table[clamp(j - i + 2, 0, 4), h]; by absolute positions,
// table[clamp(i + j, 0, 4), h] (not a bias by distance); from the mask's data; or by distance
// through a [70000, S, S] intermediate (too large to evaluate at S = 512: not fused, and the
// compile must not try to allocate it).
enum class PositionBias { kNone, kDistance, kAbsolute, kFromMask, kHugeIntermediate };

// A mask of ModernBERT's form, [B, 1, S, S] expanded from the attention mask: (1 - mask) · min
// of the keys (what the kernels' bias is), or of the queries (not an attention mask).
enum class ExpandedMask { kNone, kKeys, kQueries };

ir::ValueId position_bias(Builder& b, ir::ValueId x, ir::ValueId mask, PositionBias kind) {
  ir::ValueId seq = b.op(Op::Gather, {b.op(Op::Shape, {x}), b.int_scalar(1)},
                         make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId r = b.op(Op::Range, {b.int_scalar(0), seq, b.int_scalar(1)});
  ir::ValueId query = b.op(Op::Unsqueeze, {r, b.ints({1})});
  ir::ValueId key = b.op(Op::Unsqueeze, {r, b.ints({0})});
  ir::ValueId d = b.op(kind == PositionBias::kAbsolute ? Op::Add : Op::Sub, {key, query});
  if (kind == PositionBias::kFromMask) {  // + mask[0, j]: depends on an input's data
    ir::ValueId row = b.op(Op::Gather, {mask, b.int_scalar(0)}, make_attrs({{"axis", int64_t{0}}}));
    d = b.op(Op::Add, {d, b.op(Op::Unsqueeze, {row, b.ints({0})})});
  }
  if (kind == PositionBias::kHugeIntermediate) {
    ir::ValueId big = b.op(Op::Expand, {b.op(Op::Unsqueeze, {d, b.ints({0})}), b.ints({70000, 1, 1})});
    d = b.op(Op::ReduceMax, {big}, make_attrs({{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t{0}}}));
  }
  ir::ValueId idx = b.op(Op::Min, {b.op(Op::Max, {b.op(Op::Add, {d, b.int_scalar(2)}), b.int_scalar(0)}),
                                   b.int_scalar(4)});
  ir::ValueId table = b.random("rel_table", {5, kHeads}, 1.5f);
  ir::ValueId g = b.op(Op::Gather, {table, idx}, make_attrs({{"axis", int64_t{0}}}));
  ir::ValueId t = b.op(Op::Transpose, {g}, make_attrs({{"perm", std::vector<int64_t>{2, 0, 1}}}));
  return b.op(Op::Unsqueeze, {t, b.ints({0})});
}

// Reshape x [batch, seq, H] to [batch, seq, NH, D]: with a constant target, or (symbolic) with
// the Shape → Gather → Unsqueeze → Concat chain torch exports.
ir::ValueId split_heads(Builder& b, ir::ValueId x, bool symbolic, Style style) {
  ir::ValueId target;
  if (!symbolic) {
    target = b.ints({0, 0, kHeads, kDim});
  } else {
    ir::ValueId s = b.op(Op::Shape, {x});
    ir::ValueId bt = b.op(Op::Unsqueeze, {b.op(Op::Gather, {s, b.int_scalar(0)}), b.ints({0})});
    ir::ValueId sq =
        style == Style::kBert
            ? b.op(Op::Unsqueeze,
                   {b.op(Op::Gather, {b.op(Op::Shape, {x}), b.int_scalar(1)}), b.ints({0})})
            : b.ints({-1});
    target = b.op(Op::Concat, {bt, sq, b.ints({kHeads}), b.ints({kDim})},
                  make_attrs({{"axis", int64_t{0}}}));
  }
  return b.op(Op::Reshape, {x, target});
}

ir::ValueId transpose(Builder& b, ir::ValueId x, std::vector<int64_t> perm) {
  return b.op(Op::Transpose, {x}, make_attrs({{"perm", perm}}));
}

ir::Graph attention_graph(Style style, bool symbolic, PositionBias pb = PositionBias::kNone,
                          ExpandedMask expanded = ExpandedMask::kNone) {
  Builder b;
  ir::Shape bs{Dim::sym("batch"), Dim::sym("seq")};
  ir::ValueId x =
      b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(kHidden)});
  ir::ValueId mask = b.input("attention_mask", DType::kI64, bs);
  ir::ValueId q = testing::linear(b, x, kHidden, kHidden, "query");
  ir::ValueId k = testing::linear(b, x, kHidden, kHidden, "key");
  ir::ValueId v = testing::linear(b, x, kHidden, kHidden, "value");
  ir::ValueId qh = transpose(b, split_heads(b, q, symbolic, style), {0, 2, 1, 3});
  ir::ValueId kh = transpose(b, split_heads(b, k, symbolic, style), {0, 2, 3, 1});
  ir::ValueId vh = transpose(b, split_heads(b, v, symbolic, style), {0, 2, 1, 3});
  ir::ValueId probs;
  if (style == Style::kBert) {
    ir::ValueId m = b.op(Op::Unsqueeze, {b.op(Op::Unsqueeze, {mask, b.ints({1})}), b.ints({2})});
    ir::ValueId mf = b.op(Op::Cast, {m}, make_attrs({{"to", static_cast<int64_t>(DType::kF32)}}));
    ir::ValueId bias4 = b.op(Op::Mul, {b.op(Op::Sub, {b.scalar(1.0f), mf}), b.scalar(kMin)});
    if (expanded != ExpandedMask::kNone) {
      const std::vector<int64_t> axes =
          expanded == ExpandedMask::kKeys ? std::vector<int64_t>{1, 2} : std::vector<int64_t>{1, 3};
      ir::ValueId m4 = b.op(Op::Unsqueeze, {mask, b.ints(axes)});
      ir::ValueId seq = b.op(Op::Gather, {b.op(Op::Shape, {mask}), b.int_scalar(1)}, make_attrs({{"axis", int64_t{0}}}));
      ir::ValueId batch = b.op(Op::Gather, {b.op(Op::Shape, {mask}), b.int_scalar(0)}, make_attrs({{"axis", int64_t{0}}}));
      auto one_d = [&](ir::ValueId v) { return b.op(Op::Unsqueeze, {v, b.ints({0})}); };
      ir::ValueId target = b.op(Op::Concat, {one_d(batch), b.ints({1}), one_d(seq), one_d(seq)},
                                make_attrs({{"axis", int64_t{0}}}));
      ir::ValueId full = b.op(Op::Cast, {b.op(Op::Expand, {m4, target})},
                              make_attrs({{"to", static_cast<int64_t>(DType::kF32)}}));
      bias4 = b.op(Op::Mul, {b.op(Op::Sub, {b.scalar(1.0f), full}), b.scalar(kMin)});
    }
    ir::ValueId s = b.op(Op::Div, {b.op(Op::MatMul, {qh, kh}), b.scalar(std::sqrt(float(kDim)))});
    if (pb != PositionBias::kNone) s = b.op(Op::Add, {s, position_bias(b, x, mask, pb)});
    probs = b.op(Op::Softmax, {b.op(Op::Add, {s, bias4})}, make_attrs({{"axis", int64_t{-1}}}));
  } else {
    ir::ValueId qs = b.op(Op::Div, {qh, b.scalar(std::sqrt(float(kDim)))});
    ir::ValueId s = b.op(Op::MatMul, {qs, kh});
    ir::ValueId eq = b.op(Op::Equal, {mask, b.int_scalar(0)});
    ir::ValueId e4 = b.op(Op::Reshape, {eq, b.ints({0, 1, 1, -1})});
    ir::ValueId cond = b.op(Op::Expand, {e4, b.op(Op::Shape, {s})});
    ir::ValueId masked = b.op(Op::Where, {cond, b.scalar(kMin), s});
    // opset 11 style: axis 3 with the old 2-D coercion
    probs = b.op(Op::Softmax, {masked},
                 make_attrs({{"axis", int64_t{3}}, {"bertc_coerce_2d", int64_t{1}}}));
  }
  ir::ValueId ctx = transpose(b, b.op(Op::MatMul, {probs, vh}), {0, 2, 1, 3});
  ir::ValueId out = b.op(Op::Reshape, {ctx, b.ints({0, 0, kHidden})});
  return b.finish({out});
}

std::map<std::string, Tensor> inputs() {
  // Row 0: all real; row 1: two padded; row 2: fully masked.
  return {{"x", testing::random_tensor({3, 4, kHidden}, 7, 2.0f)},
          {"attention_mask", testing::int_tensor({1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, {3, 4})}};
}

void check_fused(const ir::Graph& before, const ir::Graph& after) {
  EXPECT_EQ(testing::count_op(after, Op::Attention), 1) << ir::graph_to_string(after);
  EXPECT_EQ(testing::count_op(after, Op::Dense), 1);  // Q, K, V merged
  EXPECT_EQ(testing::count_op(after, Op::Softmax), 0);
  EXPECT_EQ(testing::count_op(after, Op::MatMul), 0);
  EXPECT_EQ(testing::count_op(after, Op::Transpose), 0);
  const ir::Node* att = testing::find_op(after, Op::Attention);
  ASSERT_NE(att, nullptr);
  EXPECT_EQ(att->attrs.get_int("num_heads"), kHeads);
  EXPECT_NEAR(att->attrs.get_float("scale"), 1.0 / std::sqrt(double(kDim)), 1e-7);
  EXPECT_EQ(ir::shape_str(after.value(att->inputs[1]).type.shape), "[batch, seq]");
  const ir::Node* qkv = after.nodes[after.value(att->inputs[0]).producer].op == Op::Dense
                            ? &after.nodes[after.value(att->inputs[0]).producer]
                            : nullptr;
  ASSERT_NE(qkv, nullptr);
  EXPECT_EQ(after.value(qkv->inputs[1]).data->shape(), (Dims{kHidden, 3 * kHidden}));
  testing::expect_same_outputs(before, after, inputs(), 1e-5);
}

void fuse(ir::Graph& g) {
  passes::fuse_dense(g);
  passes::fuse_attention(g);
  passes::fuse_qkv(g);
}

TEST(FuseAttention, BertWithConstantTargets) {
  ir::Graph before = attention_graph(Style::kBert, false);
  ir::Graph after = before;
  fuse(after);
  check_fused(before, after);
  // The bias is the additive mask reshaped to [B, S].
  const ir::Node* att = testing::find_op(after, Op::Attention);
  EXPECT_EQ(after.nodes[after.value(att->inputs[1]).producer].op, Op::Reshape);
}

TEST(FuseAttention, DistilBertWhereMask) {
  ir::Graph before = attention_graph(Style::kDistilBert, false);
  ir::Graph after = before;
  fuse(after);
  check_fused(before, after);
  // bias = Where(Equal(mask, 0), min, 0): the Expand chain is gone.
  const ir::Node* att = testing::find_op(after, Op::Attention);
  EXPECT_EQ(after.nodes[after.value(att->inputs[1]).producer].op, Op::Where);
  EXPECT_EQ(testing::count_op(after, Op::Expand), 0);
  EXPECT_EQ(testing::count_op(after, Op::Shape), 0);
}

TEST(FuseAttention, SymbolicReshapesThroughThePipeline) {
  for (Style style : {Style::kBert, Style::kDistilBert}) {
    ir::Graph before = attention_graph(style, true);
    ir::Graph after = before;
    passes::optimize(after, {.opt_level = 2});
    check_fused(before, after);
    EXPECT_EQ(testing::count_op(after, Op::Shape), 0) << ir::graph_to_string(after);
    EXPECT_EQ(testing::count_op(after, Op::Concat), 0);
  }
}

TEST(FuseAttention, ScoresReadElsewhereAreNotFused) {
  ir::Graph before = attention_graph(Style::kBert, false);
  // Also return the softmax probabilities (e.g. output_attentions): nothing may be fused.
  for (const ir::Node& node : before.nodes) {
    if (node.op == Op::Softmax) before.outputs.push_back(node.outputs[0]);
  }
  ir::Graph after = before;
  fuse(after);
  EXPECT_EQ(testing::count_op(after, Op::Attention), 0);
  EXPECT_EQ(testing::count_op(after, Op::Dense), 3);
  testing::expect_same_outputs(before, after, inputs(), 1e-5);
}

TEST(FuseAttention, DistanceBiasBecomesATable) {
  ir::Graph before = attention_graph(Style::kBert, true, PositionBias::kDistance);
  ir::Graph after = before;
  passes::optimize(after, {.opt_level = 2});
  check_fused(before, after);
  const ir::Node* att = testing::find_op(after, Op::Attention);
  ASSERT_TRUE(att->has_input(2));
  const Tensor& rel = *after.value(att->inputs[2]).data;
  constexpr int64_t R = passes::kDistanceBiasSpan;
  ASSERT_EQ(rel.shape(), (Dims{kHeads, 2 * R - 1}));
  // rel[h, d + R - 1] = table[clamp(d + 2, 0, 4), h]
  const ir::Graph& g = before;
  const Tensor* table = nullptr;
  for (const ir::Value& v : g.values) {
    if (v.name == "rel_table") table = v.data.get();
  }
  ASSERT_NE(table, nullptr);
  for (int64_t h = 0; h < kHeads; ++h) {
    for (int64_t d = -(R - 1); d < R; ++d) {
      const int64_t row = std::clamp<int64_t>(d + 2, 0, 4);
      ASSERT_EQ(rel.data<float>()[h * (2 * R - 1) + d + R - 1], table->data<float>()[row * kHeads + h])
          << "h " << h << " d " << d;
    }
  }
  EXPECT_EQ(testing::count_op(after, Op::Range), 0) << "the bias's subgraph is dead";
}

TEST(FuseAttention, BiasesNotByDistanceAreNotFused) {
  for (PositionBias pb : {PositionBias::kAbsolute, PositionBias::kFromMask, PositionBias::kHugeIntermediate}) {
    ir::Graph before = attention_graph(Style::kBert, true, pb);
    ir::Graph after = before;
    passes::optimize(after, {.opt_level = 2});
    EXPECT_EQ(testing::count_op(after, Op::Attention), 0) << ir::graph_to_string(after);
    testing::expect_same_outputs(before, after, inputs(), 1e-5);
  }
}

TEST(FuseAttention, ExpandedMaskOfKeysBecomesTheBias) {
  ir::Graph before = attention_graph(Style::kBert, true, PositionBias::kNone, ExpandedMask::kKeys);
  ir::Graph after = before;
  passes::optimize(after, {.opt_level = 2});
  ASSERT_EQ(testing::count_op(after, Op::Attention), 1) << ir::graph_to_string(after);
  EXPECT_EQ(testing::find_op(after, Op::Attention)->attrs.get_int("window", 0), 0);
  testing::expect_same_outputs(before, after, inputs(), 1e-5);
}

TEST(FuseAttention, ExpandedMaskOfQueriesIsNotFused) {
  ir::Graph before = attention_graph(Style::kBert, true, PositionBias::kNone, ExpandedMask::kQueries);
  ir::Graph after = before;
  passes::optimize(after, {.opt_level = 2});
  EXPECT_EQ(testing::count_op(after, Op::Attention), 0) << ir::graph_to_string(after);
  testing::expect_same_outputs(before, after, inputs(), 1e-5);
}

TEST(FuseAttention, WhereWithSmallFillIsNotFused) {
  // masked_fill(-10000) replaces scores; an additive bias would not be the same.
  ir::Graph g = attention_graph(Style::kDistilBert, false);
  for (ir::Node& node : g.nodes) {
    if (node.op == Op::Where) {
      node.inputs[1] = g.add_constant("small", Tensor::from_vector<float>({-10000.0f}, {}));
    }
  }
  fuse(g);
  EXPECT_EQ(testing::count_op(g, Op::Attention), 0);
}

// DeBERTa's disentangled attention as torch exports DisentangledSelfAttention (tools/
// make_models.py): q, k, v flattened to [B·NH, S, D] by Reshapes with computed targets; the
// content scores q·(kᵀ / √(3D)); c2p = GatherElements(q · Pk, clamp(i - j + span)) and p2c =
// GatherElements(k · Pq, clamp(j - i + span))ᵀ, each / √(3D), Pk / Pq constants Tiled per batch
// row; the mask (key or query padding) a bool [B, 1, S, S] condition. Look-alikes: position
// rows by i + j (not by distance), projections that depend on the data, a mask of the queries
// only.
enum class Disentangled { kByDistance, kByAbsolutePosition, kProjectionFromData, kQueryMask };

constexpr int64_t kSpan = 3;

ir::Graph deberta_graph(Disentangled kind) {
  Builder b;
  ir::Shape bs{Dim::sym("batch"), Dim::sym("seq")};
  ir::ValueId x = b.input("x", DType::kF32, {Dim::sym("batch"), Dim::sym("seq"), Dim::known(kHidden)});
  ir::ValueId mask = b.input("attention_mask", DType::kI64, bs);
  const ir::Attrs axis0 = make_attrs({{"axis", int64_t{0}}});
  ir::ValueId shape = b.op(Op::Shape, {x});
  ir::ValueId seq = b.op(Op::Gather, {shape, b.int_scalar(1)}, axis0);
  ir::ValueId seq1 = b.op(Op::Unsqueeze, {seq, b.ints({0})});
  auto concat = [&](std::vector<ir::ValueId> parts) { return b.op(Op::Concat, std::move(parts), axis0); };
  auto flat = [&](ir::ValueId y) {
    ir::ValueId heads = transpose(b, b.op(Op::Reshape, {y, b.ints({0, 0, kHeads, kDim})}), {0, 2, 1, 3});
    return b.op(Op::Reshape, {heads, concat({b.ints({-1}), seq1, b.ints({kDim})})});
  };
  ir::ValueId q = flat(testing::linear(b, x, kHidden, kHidden, "query"));
  ir::ValueId k = flat(testing::linear(b, x, kHidden, kHidden, "key"));
  ir::ValueId v = flat(testing::linear(b, x, kHidden, kHidden, "value"));
  ir::ValueId scale = b.scalar(std::sqrt(3.0f * kDim));
  ir::ValueId scores = b.op(Op::MatMul, {q, b.op(Op::Div, {transpose(b, k, {0, 2, 1}), scale})});
  // position rows: clamp(±(i - j) + span, 0, 2·span - 1) as [1, S, S], expanded to the scores
  ir::ValueId r = b.op(Op::Range, {b.int_scalar(0), seq, b.int_scalar(1)});
  ir::ValueId qi = b.op(Op::Unsqueeze, {r, b.ints({1})}), kj = b.op(Op::Unsqueeze, {r, b.ints({0})});
  ir::ValueId rel = b.op(kind == Disentangled::kByAbsolutePosition ? Op::Add : Op::Sub, {qi, kj});
  auto rows = [&](ir::ValueId d) {
    ir::ValueId c = b.op(Op::Clip, {b.op(Op::Add, {d, b.int_scalar(kSpan)}), b.int_scalar(0), b.int_scalar(2 * kSpan - 1)});
    return b.op(Op::Expand, {b.op(Op::Unsqueeze, {c, b.ints({0})}), b.op(Op::Shape, {scores})});
  };
  ir::ValueId batch1 = b.op(Op::Slice, {shape, b.ints({0}), b.ints({1})});
  ir::ValueId repeats = concat({batch1, b.ints({1, 1})});
  auto projection = [&](const std::string& name) {  // [B·NH, D, 2·span]
    ir::ValueId p = b.random(name, {kHeads, kDim, 2 * kSpan});
    if (kind == Disentangled::kProjectionFromData) {
      p = b.op(Op::Mul, {p, b.op(Op::ReduceMax, {x}, make_attrs({{"keepdims", int64_t{0}}}))});
    }
    return b.op(Op::Tile, {p, repeats});
  };
  const ir::Attrs last = make_attrs({{"axis", int64_t{-1}}});
  ir::ValueId c2p = b.op(Op::GatherElements, {b.op(Op::MatMul, {q, projection("pos_key")}), rows(rel)}, last);
  ir::ValueId p2c = b.op(Op::GatherElements, {b.op(Op::MatMul, {k, projection("pos_query")}), rows(b.op(Op::Neg, {rel}))}, last);
  scores = b.op(Op::Add, {b.op(Op::Add, {scores, b.op(Op::Div, {c2p, scale})}),
                          b.op(Op::Div, {transpose(b, p2c, {0, 2, 1}), scale})});
  ir::ValueId scores4 = b.op(Op::Reshape, {scores, concat({b.ints({-1, kHeads}), seq1, seq1})});
  ir::ValueId keys = b.op(Op::Unsqueeze, {mask, b.ints({1, 2})});
  ir::ValueId queries = b.op(Op::Unsqueeze, {mask, b.ints({1, 3})});
  ir::ValueId both = kind == Disentangled::kQueryMask ? queries : b.op(Op::Mul, {keys, queries});
  ir::ValueId masked = b.op(Op::Not, {b.op(Op::Cast, {both}, make_attrs({{"to", static_cast<int64_t>(DType::kBool)}}))});
  ir::ValueId probs = b.op(Op::Softmax, {b.op(Op::Where, {masked, b.scalar(kMin), scores4})}, last);
  ir::ValueId ctx = b.op(Op::MatMul, {b.op(Op::Reshape, {probs, concat({b.ints({-1}), seq1, seq1})}), v});
  ir::ValueId ctx4 = b.op(Op::Reshape, {ctx, concat({b.ints({-1, kHeads}), seq1, b.ints({kDim})})});
  ir::ValueId out = b.op(Op::Reshape, {transpose(b, ctx4, {0, 2, 1, 3}), b.ints({0, 0, kHidden})});
  return b.finish({out});
}

// max |a - b| over the rows of real tokens (mask 1); rows at the padding are unspecified.
double real_rows_diff(const Tensor& a, const Tensor& b, const Tensor& mask) {
  const int64_t H = a.dim(2);
  double worst = 0;
  for (int64_t t = 0; t < mask.numel(); ++t) {
    if (mask.data<int64_t>()[t] == 0) continue;
    for (int64_t h = 0; h < H; ++h) {
      worst = std::max(worst, static_cast<double>(std::fabs(a.data<float>()[t * H + h] - b.data<float>()[t * H + h])));
    }
  }
  return worst;
}

TEST(FuseAttention, DebertaDisentangledAttention) {
  const ir::Graph before = deberta_graph(Disentangled::kByDistance);
  ir::Graph g = before;
  fuse(g);
  ASSERT_EQ(testing::count_op(g, Op::Attention), 1) << ir::graph_to_string(g);
  EXPECT_EQ(testing::count_op(g, Op::Softmax), 0);
  EXPECT_EQ(testing::count_op(g, Op::GatherElements), 0);
  const ir::Node* att = testing::find_op(g, Op::Attention);
  EXPECT_NEAR(att->attrs.get_float("scale"), 1.0 / std::sqrt(3.0 * kDim), 1e-7);
  ASSERT_TRUE(att->has_input(5) && att->has_input(6) && att->has_input(7));
  EXPECT_EQ(g.value(att->inputs[5]).data->shape(), (Dims{kHeads, 2 * kSpan, kDim}));
  // pos_index by distance d = j - i: clamp(-d + span, 0, 2·span - 1)
  const Tensor& rows = *g.value(att->inputs[7]).data;
  const int64_t R = passes::kDistanceBiasSpan;
  for (int64_t d : {-4, -1, 0, 2, 5}) {
    EXPECT_EQ(rows.data<int64_t>()[d + R - 1], std::clamp<int64_t>(-d + kSpan, 0, 2 * kSpan - 1)) << d;
  }
  // Real tokens as the unfused graph gives them (padded rows: row 1 has 2, row 2 has no real tokens).
  const auto in = inputs();
  const auto want = testing::run_graph_ref(before, in), got = testing::run_graph_ref(g, in);
  EXPECT_LE(real_rows_diff(got.begin()->second, want.begin()->second, in.at("attention_mask")), 1e-5);
  // And without padding, every row, also through a Session's kernels.
  std::map<std::string, Tensor> full = {{"x", testing::random_tensor({2, 5, kHidden}, 9, 2.0f)},
                                        {"attention_mask", testing::int_tensor(std::vector<int64_t>(10, 1), {2, 5})}};
  testing::expect_same_outputs(before, g, full, 1e-5);
}

TEST(FuseAttention, DebertaLookAlikesAreNotFused) {
  for (Disentangled kind : {Disentangled::kByAbsolutePosition, Disentangled::kProjectionFromData,
                            Disentangled::kQueryMask}) {
    ir::Graph g = deberta_graph(kind);
    fuse(g);
    EXPECT_EQ(testing::count_op(g, Op::Attention), 0) << static_cast<int>(kind);
  }
}

}  // namespace
}  // namespace bertc
