// fuse_attention: scaled dot-product self-attention as torch exports it into
// bertc.Attention(Concat(q, k, v), bias[B, S]) {num_heads, scale}.
//
// Matched from each Softmax over the last axis of a rank-4 tensor (at opset < 13 a Softmax with
// bertc_coerce_2d and axis 3, which is the same thing on rank 4):
//   q, k, v: [B, S, NH·D] → Reshape [B, S, NH, D] → Transpose: q and v (0, 2, 1, 3), k
//            (0, 2, 3, 1) (chains of Transposes are composed)
//   scores = MatMul(q', k') scaled: Div / Mul by a constant after the MatMul (BERT, RoBERTa) or
//            on q' before it (DistilBERT)
//   scores = Add(scores', p) (either order), optionally, with p [1|B, NH, S, S] a relative
//            position bias computed from shapes only (MPNet) → rel = its table by distance
//            (distance_bias.h), the node's third input
//   masked = Add(scores, m) with m [B, 1, 1, S] (either order)  → bias = Reshape(m, [0, -1])
//          | Where(c, min, scores) with c a bool [B, 1, 1, S] broadcast (Expand, Cast) and
//            min <= -1e30                                       → bias = Where(c', min, 0)
//            where c' is c before its Reshape to [B, 1, 1, S] when that was a [B, S] value
//   Softmax → MatMul(·, v') → Transpose (0, 2, 1, 3) → Reshape [B, S, NH·D]  = the output.
// num_heads and D come from the inferred shape of the Reshapes (fold_shapes makes their targets
// constant). The additive form equals the Where form because min swamps every finite score in
// float32; a fully masked row stays uniform as in PyTorch (see the Attention reference kernel).
// The q, k, v projections are merged afterwards by fuse_qkv.
#include <cmath>
#include <map>
#include <optional>

#include "ir/op_attrs.h"
#include "passes/distance_bias.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

struct Heads {
  ir::ValueId src;  // [B, S, NH·D]
  int64_t heads, dim;
};

// Follows Transposes back from v, composing their permutations; returns the first non-Transpose
// value and the permutation from it to v (y.dims[i] = x.dims[perm[i]]).
ir::ValueId strip_transposes(const GraphIndex& index, ir::ValueId v, std::vector<int64_t>& perm,
                             std::vector<int32_t>& group) {
  perm = {0, 1, 2, 3};
  while (const ir::Node* t = index.producer_if(v, ir::Op::Transpose)) {
    const ir::Shape& in_shape = index.type(t->inputs[0]).shape;
    if (in_shape.size() != 4) break;
    std::vector<int64_t> p = ir::TransposeAttrs(*t).perm_for(4);
    std::vector<int64_t> combined(4);
    for (size_t i = 0; i < 4; ++i) combined[i] = p[static_cast<size_t>(perm[i])];
    perm = combined;
    group.push_back(index.index_of(t));
    v = t->inputs[0];
  }
  return v;
}

// v = Reshape(src [B, S, NH·D] → [B, S, NH, D]) permuted by `want`.
std::optional<Heads> heads_of(const GraphIndex& index, ir::ValueId v,
                              const std::vector<int64_t>& want, std::vector<int32_t>& group) {
  std::vector<int64_t> perm;
  ir::ValueId r = strip_transposes(index, v, perm, group);
  if (perm != want) return std::nullopt;
  const ir::Node* reshape = index.producer_if(r, ir::Op::Reshape);
  if (!reshape) return std::nullopt;
  const ir::Shape& out = index.type(r).shape;
  const ir::ValueId src = reshape->inputs[0];
  const ir::Shape& in = index.type(src).shape;
  if (out.size() != 4 || in.size() != 3 || index.type(src).dtype != DType::kF32)
    return std::nullopt;
  if (!out[2].is_known() || !out[3].is_known() || !in[2].is_known()) return std::nullopt;
  if (!out[0].same_as(in[0]) || !out[1].same_as(in[1])) return std::nullopt;
  if (in[2].value != out[2].value * out[3].value) return std::nullopt;
  group.push_back(index.index_of(reshape));
  return Heads{src, out[2].value, out[3].value};
}

// Div(x, c) → (x, 1/c); Mul(x, c) / Mul(c, x) → (x, c), with c a scalar constant.
std::optional<std::pair<ir::ValueId, double>> scaled_input(const ir::Graph& g,
                                                           const ir::Node* node) {
  if (!node || node->inputs.size() != 2) return std::nullopt;
  if (node->op == ir::Op::Div) {
    auto c = scalar_constant(g, node->inputs[1]);
    if (c && *c != 0 && !constant(g, node->inputs[0]))
      return std::make_pair(node->inputs[0], 1.0 / *c);
  }
  if (node->op == ir::Op::Mul) {
    for (int i = 0; i < 2; ++i) {
      auto c = scalar_constant(g, node->inputs[1 - i]);
      if (c && !constant(g, node->inputs[i])) return std::make_pair(node->inputs[i], *c);
    }
  }
  return std::nullopt;
}

// The value v with its Cast-to-bool and Expand wrappers removed.
ir::ValueId strip_broadcast(const GraphIndex& index, ir::ValueId v) {
  for (;;) {
    const ir::Node* p = index.producer(v);
    if (p && p->op == ir::Op::Expand) {
      v = p->inputs[0];
    } else if (p && p->op == ir::Op::Cast && index.type(p->inputs[0]).dtype == DType::kBool) {
      v = p->inputs[0];
    } else {
      return v;
    }
  }
}

bool is_mask_shape(const ir::Shape& m, const ir::Dim& b, const ir::Dim& s) {
  return m.size() == 4 && m[0].same_as(b) && m[1].is_known() && m[1].value == 1 &&
         m[2].is_known() && m[2].value == 1 && (m[3].same_as(s));
}

// Tables by distance already evaluated in this pass, by the bias value's name (every layer of
// MPNet adds the same one).
using DistanceTables = std::map<std::string, std::optional<Tensor>>;

bool match(ir::Graph& g, const GraphIndex& index, int32_t n, DistanceTables& tables) {
  const ir::Node& softmax = g.nodes[n];
  if (softmax.op != ir::Op::Softmax) return false;
  const ir::ValueId masked = softmax.inputs[0];
  if (index.type(masked).shape.size() != 4 || index.type(masked).dtype != DType::kF32) return false;
  if (ir::SoftmaxAttrs(softmax).axes(4) != std::pair<int64_t, int64_t>{3, 4}) return false;
  std::vector<int32_t> group{n};

  // Output side: MatMul(P, v') → Transpose (0, 2, 1, 3) → Reshape [B, S, NH·D].
  const ir::ValueId probs = softmax.outputs[0];
  if (!index.single_use(probs)) return false;
  const ir::Node& ctx = g.nodes[index.users[probs][0]];
  if (ctx.op != ir::Op::MatMul || ctx.inputs[0] != probs) return false;
  group.push_back(index.users[probs][0]);
  auto v = heads_of(index, ctx.inputs[1], {0, 2, 1, 3}, group);
  if (!v) return false;
  ir::ValueId o = ctx.outputs[0];
  std::vector<int64_t> perm{0, 1, 2, 3};
  const ir::Node* out_reshape = nullptr;
  while (index.single_use(o)) {
    const ir::Node& u = g.nodes[index.users[o][0]];
    if (u.op == ir::Op::Transpose) {
      std::vector<int64_t> p = ir::TransposeAttrs(u).perm_for(4);
      std::vector<int64_t> combined(4);
      for (size_t i = 0; i < 4; ++i) combined[i] = perm[static_cast<size_t>(p[i])];
      perm = combined;
      group.push_back(index.users[o][0]);
      o = u.outputs[0];
    } else if (u.op == ir::Op::Reshape) {
      out_reshape = &u;
      group.push_back(index.users[o][0]);
      break;
    } else {
      break;
    }
  }
  if (!out_reshape || perm != std::vector<int64_t>{0, 2, 1, 3}) return false;
  const ir::ValueId out = out_reshape->outputs[0];

  // Mask: Add(scores, m) or Where(c, min, scores).
  const ir::Shape masked_shape = index.type(masked).shape;
  const ir::Dim batch = masked_shape[0], seq = masked_shape[3];
  const ir::Node* mask_node = index.producer(masked);
  if (!mask_node || !index.single_use(masked)) return false;
  ir::ValueId scores = ir::kNoValue, mask = ir::kNoValue, cond = ir::kNoValue;
  float min_value = 0;
  if (mask_node->op == ir::Op::Add) {
    for (int i = 0; i < 2 && scores == ir::kNoValue; ++i) {
      const ir::TypeInfo& mt = index.type(mask_node->inputs[1 - i]);
      if (mt.dtype == DType::kF32 && is_mask_shape(mt.shape, batch, seq) &&
          !constant(g, mask_node->inputs[i])) {
        scores = mask_node->inputs[i];
        mask = mask_node->inputs[1 - i];
      }
    }
  } else if (mask_node->op == ir::Op::Where) {
    auto m = scalar_constant(g, mask_node->inputs[1]);
    if (!m || *m > -1e30) return false;
    min_value = static_cast<float>(*m);
    cond = strip_broadcast(index, mask_node->inputs[0]);
    scores = mask_node->inputs[2];
  }
  if (scores == ir::kNoValue) return false;
  group.push_back(index.index_of(mask_node));

  // A position bias p added before the mask: Add(scores', p), p a float32 rank-4 value that is
  // not computed from the scores (checked by evaluating it below).
  ir::ValueId position_bias = ir::kNoValue;
  if (const ir::Node* add = index.producer_if(scores, ir::Op::Add); add && index.single_use(scores)) {
    for (int i = 0; i < 2 && position_bias == ir::kNoValue; ++i) {
      const ir::TypeInfo& pt = index.type(add->inputs[1 - i]);
      if (pt.dtype != DType::kF32 || pt.shape.size() != 4 || constant(g, add->inputs[1 - i]) ||
          (!index.producer_if(add->inputs[i], ir::Op::MatMul) &&
           !scaled_input(g, index.producer(add->inputs[i])))) {
        continue;
      }
      position_bias = add->inputs[1 - i];
      scores = add->inputs[i];
      group.push_back(index.index_of(add));
    }
  }

  // Scores: [scaled] MatMul(q' [scaled], k').
  double scale = 1.0;
  const ir::Node* mm = index.producer_if(scores, ir::Op::MatMul);
  if (!mm) {
    auto s = scaled_input(g, index.producer(scores));
    if (!s || !index.single_use(scores)) return false;
    scale = s->second;
    group.push_back(index.index_of(index.producer(scores)));
    scores = s->first;
    mm = index.producer_if(scores, ir::Op::MatMul);
    if (!mm) return false;
  }
  group.push_back(index.index_of(mm));
  ir::ValueId qv = mm->inputs[0];
  if (auto s = scaled_input(g, index.producer(qv))) {
    scale *= s->second;
    group.push_back(index.index_of(index.producer(qv)));
    qv = s->first;
  }
  auto q = heads_of(index, qv, {0, 2, 1, 3}, group);
  auto k = heads_of(index, mm->inputs[1], {0, 2, 3, 1}, group);
  if (!q || !k) return false;
  if (q->heads != k->heads || q->heads != v->heads || q->dim != k->dim || q->dim != v->dim)
    return false;
  const ir::Shape& qs = index.type(q->src).shape;
  if (!same_shape(qs, index.type(k->src).shape) || !same_shape(qs, index.type(v->src).shape))
    return false;
  if (!qs[0].same_as(batch) || !qs[1].same_as(seq)) return false;
  const Tensor* rel = nullptr;
  if (position_bias != ir::kNoValue) {
    const std::string& key = g.value(position_bias).name;
    auto it = tables.find(key);
    if (it == tables.end()) {
      it = tables.emplace(key, distance_bias_table(g, position_bias, batch, seq, q->heads)).first;
    }
    if (!it->second) return false;
    rel = &*it->second;
  }
  const ir::Shape& os = index.type(out).shape;
  if (os.size() != 3 || !os[0].same_as(batch) || !os[1].same_as(seq) || !os[2].is_known() ||
      os[2].value != q->heads * q->dim) {
    return false;
  }

  // The bias [B, S]: from an additive mask m [B, 1, 1, S] by a Reshape; from a Where's
  // condition c by Where(c, min, 0), c taken before its Reshape to [B, 1, 1, S] if it has one.
  enum class BiasForm { kReshapeMask, kWhere, kWhereReshape } form = BiasForm::kReshapeMask;
  if (mask == ir::kNoValue) {
    const ir::TypeInfo ct = index.type(cond);
    if (ct.dtype != DType::kBool) return false;
    if (ct.shape.size() == 2 && ct.shape[0].same_as(batch) && ct.shape[1].same_as(seq)) {
      form = BiasForm::kWhere;
    } else if (is_mask_shape(ct.shape, batch, seq)) {
      form = BiasForm::kWhereReshape;
      const ir::Node* r = index.producer_if(cond, ir::Op::Reshape);
      if (r) {
        const ir::TypeInfo& rt = index.type(r->inputs[0]);
        if (rt.dtype == DType::kBool && rt.shape.size() == 2 && rt.shape[0].same_as(batch) &&
            rt.shape[1].same_as(seq)) {
          form = BiasForm::kWhere;
          cond = r->inputs[0];
        }
      }
    } else {
      return false;
    }
  }
  if (!can_replace(index, group, {out})) return false;

  const std::string name = softmax.name;
  const ir::ValueId q_src = q->src, k_src = k->src, v_src = v->src;
  const int64_t heads = q->heads;
  std::vector<ir::Node> added;
  ir::ValueId bias = new_value(g, name + "_bias");
  auto reshape_to_bias = [&](ir::ValueId from) {
    ir::ValueId target =
        new_constant(g, name + "_bias_shape", Tensor::from_vector<int64_t>({0, -1}, {2}));
    added.push_back(make_node(ir::Op::Reshape, name + "_bias", {from, target}, {bias}));
  };
  if (form == BiasForm::kReshapeMask) {
    reshape_to_bias(mask);
  } else {
    ir::ValueId lo =
        new_constant(g, name + "_mask_min", Tensor::from_vector<float>({min_value}, {}));
    ir::ValueId zero = new_constant(g, name + "_mask_zero", Tensor::from_vector<float>({0.0f}, {}));
    if (form == BiasForm::kWhere) {
      added.push_back(make_node(ir::Op::Where, name + "_bias", {cond, lo, zero}, {bias}));
    } else {
      ir::ValueId bias4 = new_value(g, name + "_bias4");
      added.push_back(make_node(ir::Op::Where, name + "_bias4", {cond, lo, zero}, {bias4}));
      reshape_to_bias(bias4);
    }
  }
  ir::ValueId qkv = new_value(g, name + "_qkv");
  ir::Attrs concat_attrs;
  concat_attrs.set("axis", int64_t{-1});
  added.push_back(
      make_node(ir::Op::Concat, name + "_qkv", {q_src, k_src, v_src}, {qkv}, concat_attrs));
  ir::Attrs attrs;
  attrs.set("num_heads", heads);
  attrs.set("scale", static_cast<float>(scale));
  std::vector<ir::ValueId> inputs = {qkv, bias};
  if (rel) inputs.push_back(new_constant(g, name + "_rel", *rel));
  added.push_back(make_node(ir::Op::Attention, name + "_attention", inputs, {out}, attrs));
  apply_rewrite(g, group, std::move(added));
  return true;
}

}  // namespace

void fuse_attention(ir::Graph& g) {
  DistanceTables tables;
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match(g, index, n, tables); });
  g.sort_topologically();
}

}  // namespace bertc::passes
