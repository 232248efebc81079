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
//            (position_tables.h), the node's third input; or, when that table is a sliding
//            window (0 near, float32 min far: ModernBERT's local layers), attr window
//   q, k:    also ModernBERT's: parts 0 and 1 of Squeeze(Split(Transpose(Reshape(qkv [B, S, 3·NH·D]
//            → [B, S, 3, NH, D]), (0, 3, 2, 1, 4)), axis 2)) with rotary embeddings
//            x·C + Concat(Neg(x[..., D/2:]), x[..., :D/2])·Sn, C and Sn [1, 1, S, D] computed
//            from shapes only → cos / sin tables (inputs 3, 4); v part 2; the packed qkv is
//            the node's QKV as it is
//   masked = Add(scores, m) with m [B, 1, 1, S] (either order)  → bias = Reshape(m, [0, -1])
//          | Where(c, min, scores) with c a bool [B, 1, 1, S] broadcast (Expand, Cast) and
//            min <= -1e30                                       → bias = Where(c', min, 0)
//            where c' is c before its Reshape to [B, 1, 1, S] when that was a [B, S] value
//   Softmax → MatMul(·, v') → Transpose (0, 2, 1, 3) → Reshape [B, S, NH·D]  = the output.
//   DeBERTa's form: heads flattened into the batch — q, k, v' Reshaped from [B, NH, S, D] to
//            [B·NH, S, D], the scores computed on those (k' = Transpose(k, (0, 2, 1)), scaled)
//            and Reshaped to [B, NH, S, S] before the mask, P back to [B·NH, S, S] before
//            MatMul(P, v), whose output is Reshaped to [B, NH, S, D] — with the scores a sum of
//            the content term and disentangled terms, each optionally scaled by a constant:
//            c2p = GatherElements(MatMul(q, Pk), I) and p2c = Transpose(GatherElements(MatMul(k,
//            Pq), I'), (0, 2, 1)), Pk / Pq [B·NH, D, P] and I / I' computed from constants and
//            shapes only (position_tables.h: position_projection, position_index_table) →
//            inputs pos_key, pos_query, pos_index; the mask a bool condition [B, 1, S, S]
//            recognized by value (key or query padding).
// num_heads and D come from the inferred shape of the Reshapes (fold_shapes makes their targets
// constant). The additive form equals the Where form because min swamps every finite score in
// float32; a fully masked row stays uniform as in PyTorch (see the Attention reference kernel).
// The q, k, v projections are merged afterwards by fuse_qkv.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <functional>
#include <map>
#include <optional>

#include "ir/op_attrs.h"
#include "passes/position_tables.h"
#include "passes/pattern.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

struct Heads {
  ir::ValueId src;  // [B, S, NH·D], or with part >= 0 the packed [B, S, 3·NH·D]
  int64_t heads, dim;
  int part = -1;  // ModernBERT's unbind of a packed QKV: 0 q, 1 k, 2 v
  ir::ValueId cos = ir::kNoValue, sin = ir::kNoValue;  // rotary embeddings [1, 1, S, D]
};

// Follows Transposes back from v, composing their permutations into `perm` (from the value
// returned to v: v.dims[i] = x.dims[perm[i]]); returns the first non-Transpose value.
ir::ValueId strip_transposes(const GraphIndex& index, ir::ValueId v, std::vector<int64_t>& perm,
                             std::vector<int32_t>& group) {
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

// r = x·C + rotate_half(x)·Sn (ModernBERT's apply_rotary_pos_emb, operands in either order),
// rotate_half(x) = Concat(Neg(x[..., D/2:]), x[..., :D/2]) on the last axis: sets x, C, Sn.
bool rotary_of(const ir::Graph& g, const GraphIndex& index, ir::ValueId r, ir::ValueId& x,
               ir::ValueId& cos, ir::ValueId& sin, std::vector<int32_t>& group) {
  const ir::Node* add = index.producer_if(r, ir::Op::Add);
  if (!add) return false;
  for (int order = 0; order < 2; ++order) {
    const ir::Node* m1 = index.producer_if(add->inputs[order], ir::Op::Mul);
    const ir::Node* m2 = index.producer_if(add->inputs[1 - order], ir::Op::Mul);
    if (!m1 || !m2 || !index.single_use(add->inputs[0]) || !index.single_use(add->inputs[1])) continue;
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        const ir::ValueId xv = m1->inputs[i], c = m1->inputs[1 - i];
        const ir::ValueId half = m2->inputs[j], sn = m2->inputs[1 - j];
        const ir::Node* cat = index.producer_if(half, ir::Op::Concat);
        const ir::Shape& xs = index.type(xv).shape;
        if (!cat || cat->inputs.size() != 2 || xs.size() != 4 || !xs[3].is_known() || xs[3].value % 2 != 0 ||
            !index.single_use(half)) {
          continue;
        }
        const int64_t D = xs[3].value, axis = ir::AxisAttrs(*cat).axis;
        const ir::Node* neg = index.producer_if(cat->inputs[0], ir::Op::Neg);
        if ((axis != 3 && axis != -1) || !neg) continue;
        const ir::Node* upper = index.producer(neg->inputs[0]);
        const ir::Node* lower = index.producer(cat->inputs[1]);
        if (!upper || !lower || upper->inputs.empty() || lower->inputs.empty() || upper->inputs[0] != xv ||
            lower->inputs[0] != xv) {
          continue;
        }
        const auto up = last_axis_slice(g, *upper), lo = last_axis_slice(g, *lower);
        if (!up || !lo || up->start != D / 2 || up->len != D / 2 || lo->start != 0 || lo->len != D / 2) continue;
        for (const ir::Node* n : {add, m1, m2, cat, neg, upper, lower}) group.push_back(index.index_of(n));
        x = xv;
        cos = c;
        sin = sn;
        return true;
      }
    }
  }
  return false;
}

// ModernBERT's q, k or v: Squeeze(Split(T, axis 2)[part], axis 2), T = Transpose(Reshape(src
// [B, S, 3·NH·D] → [B, S, 3, NH, D]), (0, 3, 2, 1, 4)) — [B, NH, S, D], i.e. the heads-first
// permutation (0, 2, 1, 3) of [B, S, NH, D].
std::optional<Heads> unbind_of(const GraphIndex& index, ir::ValueId r, std::vector<int32_t>& group) {
  const ir::Node* squeeze = index.producer_if(r, ir::Op::Squeeze);
  if (!squeeze) return std::nullopt;
  const ir::Node* split = index.producer_if(squeeze->inputs[0], ir::Op::Split);
  if (!split || split->outputs.size() != 3 || ir::AxisAttrs(*split).axis != 2) return std::nullopt;
  const int part = static_cast<int>(std::find(split->outputs.begin(), split->outputs.end(), squeeze->inputs[0]) -
                                    split->outputs.begin());
  const ir::Node* transpose = index.producer_if(split->inputs[0], ir::Op::Transpose);
  if (!transpose || ir::TransposeAttrs(*transpose).perm_for(5) != std::vector<int64_t>{0, 3, 2, 1, 4}) {
    return std::nullopt;
  }
  const ir::Node* reshape = index.producer_if(transpose->inputs[0], ir::Op::Reshape);
  if (!reshape) return std::nullopt;
  const ir::Shape& five = index.type(reshape->outputs[0]).shape;
  const ir::Shape& in = index.type(reshape->inputs[0]).shape;
  const ir::Shape& out = index.type(r).shape;
  if (five.size() != 5 || in.size() != 3 || out.size() != 4 || index.type(reshape->inputs[0]).dtype != DType::kF32) {
    return std::nullopt;
  }
  if (!five[2].is_known() || five[2].value != 3 || !five[3].is_known() || !five[4].is_known() ||
      !in[2].is_known() || in[2].value != 3 * five[3].value * five[4].value || !five[0].same_as(in[0]) ||
      !five[1].same_as(in[1]) || !out[0].same_as(in[0]) || !out[2].same_as(in[1])) {
    return std::nullopt;
  }
  group.push_back(index.index_of(squeeze));
  for (const ir::Node* n : {split, transpose, reshape}) {
    const int32_t at = index.index_of(n);
    if (std::find(group.begin(), group.end(), at) == group.end()) group.push_back(at);
  }
  return Heads{reshape->inputs[0], five[3].value, five[4].value, part};
}

// v = Reshape(src [B, S, NH·D] → [B, S, NH, D]) — or ModernBERT's unbind of a packed QKV —
// permuted by `want`, with rotary embeddings applied on the way (q and k) when `rotary`.
std::optional<Heads> heads_of(const ir::Graph& g, const GraphIndex& index, ir::ValueId v,
                              const std::vector<int64_t>& want, bool rotary, std::vector<int32_t>& group) {
  std::vector<int64_t> perm{0, 1, 2, 3};
  ir::ValueId r = strip_transposes(index, v, perm, group);
  ir::ValueId cos = ir::kNoValue, sin = ir::kNoValue;
  if (rotary && rotary_of(g, index, r, r, cos, sin, group)) r = strip_transposes(index, r, perm, group);
  if (auto u = unbind_of(index, r, group)) {
    static const int64_t kHeadsFirst[4] = {0, 2, 1, 3};
    std::vector<int64_t> total(4);
    for (size_t i = 0; i < 4; ++i) total[i] = kHeadsFirst[perm[i]];
    if (total != want) return std::nullopt;
    u->cos = cos;
    u->sin = sin;
    return u;
  }
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
  return Heads{src, out[2].value, out[3].value, -1, cos, sin};
}

// DeBERTa's Reshapes between heads flattened into the batch and heads apart: their targets
// come from shapes (symbolic dims the inferred types lose), so they are checked by value once
// NH and D are known (check_reshapes).
// [B·NH, S, D], [B·NH, S, S], [B, NH, S, S], [B, NH, S, D], and the output [B, S, NH·D] of
// [B, S, NH, D] (whose 0s copy B and S).
enum class Flat { kHeadRows, kScoreRows, kHeadScores, kHeadContext, kOutput };
struct FlatReshape {
  const ir::Node* node;
  Flat form;
};

// x [B·NH, S, D] = Reshape(x4 [B, NH, S, D]): x4, the Reshape joining the group and `checks`;
// else kNoValue.
ir::ValueId unflatten(const GraphIndex& index, ir::ValueId x, std::vector<int32_t>& group,
                      std::vector<FlatReshape>& checks) {
  const ir::Node* r = index.producer_if(x, ir::Op::Reshape);
  if (!r || index.type(r->inputs[0]).shape.size() != 4 || index.type(x).shape.size() != 3) return ir::kNoValue;
  group.push_back(index.index_of(r));
  checks.push_back({r, Flat::kHeadRows});
  return r->inputs[0];
}

// Whether every Reshape in `checks` has the target its form says, evaluated at B = 2, S = 7
// with each Reshape's input (and the flattened q, k, v `rows`) bound to the shape it has there.
bool check_reshapes(const ir::Graph& g, const std::vector<FlatReshape>& checks, const ir::Dim& batch,
                    const ir::Dim& seq, const std::vector<ir::ValueId>& rows, int64_t heads, int64_t dim) {
  constexpr int64_t B = 2, S = 7;
  std::vector<std::pair<ir::ValueId, Dims>> shapes;
  for (ir::ValueId r : rows) shapes.emplace_back(r, Dims{B * heads, S, dim});
  for (const FlatReshape& c : checks) {
    Dims in, want;  // the Reshape's input and output at B, S
    switch (c.form) {
      case Flat::kHeadRows: in = {B, heads, S, dim}, want = {B * heads, S, dim}; break;
      case Flat::kScoreRows: in = {B, heads, S, S}, want = {B * heads, S, S}; break;
      case Flat::kHeadScores: in = {B * heads, S, S}, want = {B, heads, S, S}; break;
      case Flat::kHeadContext: in = {B * heads, S, dim}, want = {B, heads, S, dim}; break;
      case Flat::kOutput: in = {B, S, heads, dim}, want = {B, S, heads * dim}; break;
    }
    std::vector<std::pair<ir::ValueId, Dims>> bound = shapes;
    bound.emplace_back(c.node->inputs[0], in);
    const std::optional<std::vector<int64_t>> t = shape_value_at(g, c.node->inputs[1], batch, seq, B, S, bound);
    if (!t || t->size() != want.size()) return false;
    // One -1 (the element count, the same on both sides, fixes it) where the rest match.
    if (std::count(t->begin(), t->end(), int64_t{-1}) > 1) return false;
    for (size_t i = 0; i < want.size(); ++i) {
      const int64_t x = (*t)[i];
      if (x != want[i] && x != -1 && !(c.form == Flat::kOutput && i < 2 && x == 0)) return false;
    }
  }
  return true;
}

// The value of a scalar that is not a constant but computed from shapes (DeBERTa's scales), or
// nullopt.
using ScalarResolver = std::function<std::optional<double>(ir::ValueId)>;

// Div(x, c) → (x, 1/c); Mul(x, c) / Mul(c, x) → (x, c), with c a scalar constant (or, with
// `resolve`, a scalar it can evaluate).
std::optional<std::pair<ir::ValueId, double>> scaled_input(const ir::Graph& g, const ir::Node* node,
                                                           const ScalarResolver* resolve = nullptr) {
  if (!node || node->inputs.size() != 2) return std::nullopt;
  auto scalar = [&](ir::ValueId c) {
    std::optional<double> x = scalar_constant(g, c);
    if (!x && resolve) x = (*resolve)(c);
    return x;
  };
  if (node->op == ir::Op::Div) {
    auto c = scalar(node->inputs[1]);
    if (c && *c != 0 && !constant(g, node->inputs[0]))
      return std::make_pair(node->inputs[0], 1.0 / *c);
  }
  if (node->op == ir::Op::Mul) {
    for (int i = 0; i < 2; ++i) {
      auto c = scalar(node->inputs[1 - i]);
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

// The one user of v that is not a Shape node (Shapes of the values a fusion replaces die with
// it when all they feed does: can_replace checks), or -1.
int32_t only_user(const ir::Graph& g, const GraphIndex& index, ir::ValueId v) {
  int32_t found = -1;
  for (int32_t u : index.users[v]) {
    if (g.nodes[u].op == ir::Op::Shape) continue;
    if (found >= 0) return -1;
    found = u;
  }
  return found;
}

bool is_mask_shape(const ir::Shape& m, const ir::Dim& b, const ir::Dim& s) {
  return m.size() == 4 && m[0].same_as(b) && m[1].is_known() && m[1].value == 1 &&
         m[2].is_known() && m[2].value == 1 && (m[3].same_as(s));
}

// What this pass has already evaluated, by the value's name (every layer reads the same ones):
// position tables (biases by distance, rotary cos / sin) and additive masks.
struct Evaluated {
  std::map<std::string, std::optional<Tensor>> tables;
  std::map<std::string, std::optional<AdditiveMask>> masks;
  // The graph constant holding a table, by the name of the value it was evaluated from: every
  // layer's node reads one constant (large ones are not merged by CSE; rotary tables are MBs).
  std::map<std::string, std::string> constants;

  // `source` by value: callers name a value of g, whose storage new_constant may reallocate.
  ir::ValueId constant_for(ir::Graph& g, std::string source, const std::string& name, const Tensor& t) {
    if (const auto it = constants.find(source); it != constants.end()) {
      for (size_t v = 0; v < g.values.size(); ++v) {
        if (g.values[v].name == it->second && g.values[v].is_constant()) return static_cast<ir::ValueId>(v);
      }
    }
    const ir::ValueId c = new_constant(g, name, t);
    constants[source] = g.value(c).name;
    return c;
  }
};

bool match(ir::Graph& g, const GraphIndex& index, int32_t n, Evaluated& evaluated) {
  const ir::Node& softmax = g.nodes[n];
  if (softmax.op != ir::Op::Softmax) return false;
  const ir::ValueId masked = softmax.inputs[0];
  if (index.type(masked).shape.size() != 4 || index.type(masked).dtype != DType::kF32) return false;
  if (ir::SoftmaxAttrs(softmax).axes(4) != std::pair<int64_t, int64_t>{3, 4}) return false;
  std::vector<int32_t> group{n};

  // Output side: MatMul(P, v') → Transpose (0, 2, 1, 3) → Reshape [B, S, NH·D]; Casts of P to
  // float32 (a softmax "upcast" on float32 scores, ModernBERT) change nothing.
  ir::ValueId probs = softmax.outputs[0];
  while (index.single_use(probs) && g.nodes[index.users[probs][0]].op == ir::Op::Cast &&
         index.type(g.nodes[index.users[probs][0]].outputs[0]).dtype == DType::kF32) {
    group.push_back(index.users[probs][0]);
    probs = g.nodes[index.users[probs][0]].outputs[0];
  }
  int32_t user = only_user(g, index, probs);
  if (user < 0) return false;
  const bool flat = g.nodes[user].op == ir::Op::Reshape && index.type(g.nodes[user].outputs[0]).shape.size() == 3;
  std::vector<FlatReshape> flat_checks;
  if (flat) {  // DeBERTa: P Reshaped to [B·NH, S, S]
    group.push_back(user);
    flat_checks.push_back({&g.nodes[user], Flat::kScoreRows});
    probs = g.nodes[user].outputs[0];
    user = only_user(g, index, probs);
    if (user < 0) return false;
  }
  const ir::Node& ctx = g.nodes[user];
  if (ctx.op != ir::Op::MatMul || ctx.inputs[0] != probs) return false;
  group.push_back(user);
  const ir::ValueId v_heads = flat ? unflatten(index, ctx.inputs[1], group, flat_checks) : ctx.inputs[1];
  if (v_heads == ir::kNoValue) return false;
  auto v = heads_of(g, index, v_heads, {0, 2, 1, 3}, false, group);
  if (!v) return false;
  ir::ValueId o = ctx.outputs[0];
  if (flat) {  // the context Reshaped back to [B, NH, S, D]
    user = only_user(g, index, o);
    if (user < 0 || g.nodes[user].op != ir::Op::Reshape || index.type(g.nodes[user].outputs[0]).shape.size() != 4) {
      return false;
    }
    group.push_back(user);
    flat_checks.push_back({&g.nodes[user], Flat::kHeadContext});
    o = g.nodes[user].outputs[0];
  }
  std::vector<int64_t> perm{0, 1, 2, 3};
  const ir::Node* out_reshape = nullptr;
  for (int32_t next = only_user(g, index, o); next >= 0; next = only_user(g, index, o)) {
    const ir::Node& u = g.nodes[next];
    if (u.op == ir::Op::Transpose) {
      std::vector<int64_t> p = ir::TransposeAttrs(u).perm_for(4);
      std::vector<int64_t> combined(4);
      for (size_t i = 0; i < 4; ++i) combined[i] = perm[static_cast<size_t>(p[i])];
      perm = combined;
      group.push_back(next);
      o = u.outputs[0];
    } else if (u.op == ir::Op::Reshape) {
      out_reshape = &u;
      group.push_back(next);
      break;
    } else {
      break;
    }
  }
  if (!out_reshape || perm != std::vector<int64_t>{0, 2, 1, 3}) return false;
  if (flat) flat_checks.push_back({out_reshape, Flat::kOutput});
  const ir::ValueId out = out_reshape->outputs[0];

  // Mask: Add(scores, m) or Where(c, min, scores).
  const ir::Shape masked_shape = index.type(masked).shape;
  const ir::Dim batch = masked_shape[0], seq = masked_shape[3];
  const ir::Node* mask_node = index.producer(masked);
  if (!mask_node || !index.single_use(masked)) return false;
  ir::ValueId scores = ir::kNoValue, mask = ir::kNoValue, cond = ir::kNoValue;
  float min_value = 0;
  std::optional<AdditiveMask> evaluated_mask;  // a mask of another form, recognized by value
  if (mask_node->op == ir::Op::Add) {
    for (int i = 0; i < 2 && scores == ir::kNoValue; ++i) {
      const ir::TypeInfo& mt = index.type(mask_node->inputs[1 - i]);
      if (mt.dtype == DType::kF32 && is_mask_shape(mt.shape, batch, seq) &&
          !constant(g, mask_node->inputs[i])) {
        scores = mask_node->inputs[i];
        mask = mask_node->inputs[1 - i];
      }
    }
    for (int i = 0; i < 2 && scores == ir::kNoValue; ++i) {
      const ir::ValueId m = mask_node->inputs[1 - i];
      if (index.type(m).dtype != DType::kF32 || constant(g, m) || index.type(m).shape.size() != 4) continue;
      const std::string& key = g.value(m).name;
      auto it = evaluated.masks.find(key);
      if (it == evaluated.masks.end()) it = evaluated.masks.emplace(key, additive_mask(g, m, batch, seq)).first;
      if (it->second) {
        scores = mask_node->inputs[i];
        evaluated_mask = it->second;
      }
    }
  } else if (mask_node->op == ir::Op::Where) {
    auto m = scalar_constant(g, mask_node->inputs[1]);
    if (!m || *m > -1e30) return false;
    min_value = static_cast<float>(*m);
    cond = strip_broadcast(index, mask_node->inputs[0]);
    scores = mask_node->inputs[2];
    const ir::TypeInfo& ct = index.type(cond);
    if (ct.dtype == DType::kBool && ct.shape.size() == 4 && !is_mask_shape(ct.shape, batch, seq)) {
      // [B, 1, S, S] (DeBERTa's: key or query padding): recognized by value
      const std::string& key = g.value(cond).name;
      auto it = evaluated.masks.find(key);
      if (it == evaluated.masks.end()) it = evaluated.masks.emplace(key, additive_mask(g, cond, batch, seq)).first;
      if (!it->second) return false;
      evaluated_mask = it->second;
    }
  }
  if (scores == ir::kNoValue) return false;
  group.push_back(index.index_of(mask_node));

  // DeBERTa: the scores [B·NH, S, S] Reshaped to [B, NH, S, S]: the sum of the content term and
  // the disentangled terms c2p / p2c, each maybe scaled by a constant.
  struct Disentangled {
    ir::ValueId heads = ir::kNoValue;  // the flattened q (c2p) or k (p2c) the MatMul multiplies
    ir::ValueId projection = ir::kNoValue, index = ir::kNoValue;
    double factor = 1.0;
  } c2p, p2c;
  ScalarResolver resolve;  // DeBERTa's scales, computed from the flattened q / k shapes
  std::vector<ir::ValueId> flat_rows;  // the flattened q, k, v (their shapes: [B·NH, S, D])
  if (flat) {
    const ir::Node* r = index.producer_if(scores, ir::Op::Reshape);
    if (!r || only_user(g, index, scores) < 0 || index.type(r->inputs[0]).shape.size() != 3) return false;
    group.push_back(index.index_of(r));
    flat_checks.push_back({r, Flat::kHeadScores});
    std::vector<ir::ValueId> terms, pending{r->inputs[0]};
    while (!pending.empty()) {
      const ir::ValueId t = pending.back();
      pending.pop_back();
      const ir::Node* add = index.producer_if(t, ir::Op::Add);
      if (add && only_user(g, index, t) >= 0 && index.type(add->inputs[0]).shape.size() == 3 &&
          index.type(add->inputs[1]).shape.size() == 3) {
        group.push_back(index.index_of(add));
        pending.insert(pending.end(), add->inputs.begin(), add->inputs.end());
      } else if (add && only_user(g, index, t) >= 0 && (is_scalar_constant(g, add->inputs[0], 0.0) ||
                                                 is_scalar_constant(g, add->inputs[1], 0.0))) {
        group.push_back(index.index_of(add));  // `score = 0; score += term` adds a zero
        pending.push_back(add->inputs[is_scalar_constant(g, add->inputs[0], 0.0) ? 1 : 0]);
      } else {
        terms.push_back(t);
      }
    }
    // The flattened q, k, v whose shapes the scales are read off: the content MatMul's operands
    // (q, and kᵀ's input), through any scaling.
    flat_rows = {ctx.inputs[1]};
    auto unscaled = [&](ir::ValueId x) {
      const ir::Node* p = index.producer(x);
      if (p && (p->op == ir::Op::Div || p->op == ir::Op::Mul) && p->inputs.size() == 2) {
        for (int i = 0; i < 2; ++i) {
          if (index.type(p->inputs[1 - i]).shape.empty() && index.type(p->inputs[i]).shape.size() == 3) return p->inputs[i];
        }
      }
      return x;
    };
    for (const ir::ValueId t : terms) {
      if (const ir::Node* m = index.producer_if(unscaled(t), ir::Op::MatMul)) {
        flat_rows.push_back(unscaled(m->inputs[0]));
        if (const ir::Node* kt = index.producer_if(unscaled(m->inputs[1]), ir::Op::Transpose)) {
          flat_rows.push_back(kt->inputs[0]);
        }
      }
    }
    resolve = [&g, &batch, &seq, &flat_rows, heads = v->heads, dim = v->dim](ir::ValueId c) {
      return scalar_from_row_shapes(g, c, batch, seq, flat_rows, heads, dim);
    };
    scores = ir::kNoValue;
    for (const ir::ValueId t : terms) {  // (their other users must die with the group: can_replace)
      std::vector<int32_t> term_group;
      ir::ValueId x = t;
      double factor = 1.0;
      if (auto s = scaled_input(g, index.producer(t), &resolve)) {
        term_group.push_back(index.index_of(index.producer(t)));
        x = s->first;
        factor = s->second;
      }
      if (index.producer_if(x, ir::Op::MatMul)) {  // the content term (its scale is read below)
        if (scores != ir::kNoValue) return false;
        scores = t;
        continue;
      }
      bool transposed = false;
      if (const ir::Node* tr = index.producer_if(x, ir::Op::Transpose)) {
        if (ir::TransposeAttrs(*tr).perm_for(3) != std::vector<int64_t>{0, 2, 1} || !index.single_use(x)) return false;
        term_group.push_back(index.index_of(tr));
        x = tr->inputs[0];
        transposed = true;
      }
      const ir::Node* gather = index.producer_if(x, ir::Op::GatherElements);
      if (!gather || !index.single_use(x) || (ir::AxisAttrs(*gather).axis != 2 && ir::AxisAttrs(*gather).axis != -1)) {
        return false;
      }
      const ir::Node* mm_pos = index.producer_if(gather->inputs[0], ir::Op::MatMul);
      if (!mm_pos || !index.single_use(gather->inputs[0])) return false;
      term_group.push_back(index.index_of(gather));
      term_group.push_back(index.index_of(mm_pos));
      Disentangled& term = transposed ? p2c : c2p;
      if (term.heads != ir::kNoValue) return false;
      // the indices before their Expand to [B·NH, S, S] (which only copies them)
      ir::ValueId rows = gather->inputs[1];
      if (const ir::Node* e = index.producer_if(rows, ir::Op::Expand)) rows = e->inputs[0];
      term = {mm_pos->inputs[0], mm_pos->inputs[1], rows, factor};
      group.insert(group.end(), term_group.begin(), term_group.end());
    }
    if (scores == ir::kNoValue) return false;
  }

  // A position bias p added before the mask: Add(scores', p), p a float32 rank-4 value that is
  // not computed from the scores (checked by evaluating it below).
  ir::ValueId position_bias = ir::kNoValue;
  if (const ir::Node* add = index.producer_if(scores, ir::Op::Add); !flat && add && index.single_use(scores)) {
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
  const ScalarResolver* resolver = flat ? &resolve : nullptr;
  if (!mm) {
    auto s = scaled_input(g, index.producer(scores), resolver);
    if (!s || !index.single_use(scores)) return false;
    scale = s->second;
    group.push_back(index.index_of(index.producer(scores)));
    scores = s->first;
    mm = index.producer_if(scores, ir::Op::MatMul);
    if (!mm) return false;
  }
  group.push_back(index.index_of(mm));
  ir::ValueId qv = mm->inputs[0], kv = mm->inputs[1];
  if (auto s = scaled_input(g, index.producer(qv), resolver)) {
    scale *= s->second;
    group.push_back(index.index_of(index.producer(qv)));
    qv = s->first;
  }
  if (auto s = flat ? scaled_input(g, index.producer(kv), resolver) : std::nullopt) {  // DeBERTa scales kᵀ
    scale *= s->second;
    group.push_back(index.index_of(index.producer(kv)));
    kv = s->first;
  }
  std::optional<Heads> q, k;
  if (flat) {  // q [B·NH, S, D] and kᵀ = Transpose(k [B·NH, S, D], (0, 2, 1))
    const ir::Node* kt = index.producer_if(kv, ir::Op::Transpose);
    if (!kt || ir::TransposeAttrs(*kt).perm_for(3) != std::vector<int64_t>{0, 2, 1}) return false;
    group.push_back(index.index_of(kt));
    kv = kt->inputs[0];
    if (c2p.heads != ir::kNoValue && c2p.heads != qv) return false;  // the same q and k
    if (p2c.heads != ir::kNoValue && p2c.heads != kv) return false;
    const ir::ValueId q4 = unflatten(index, qv, group, flat_checks), k4 = unflatten(index, kv, group, flat_checks);
    if (q4 == ir::kNoValue || k4 == ir::kNoValue) return false;
    q = heads_of(g, index, q4, {0, 2, 1, 3}, false, group);
    k = heads_of(g, index, k4, {0, 2, 1, 3}, false, group);
  } else {
    q = heads_of(g, index, qv, {0, 2, 1, 3}, true, group);
    k = heads_of(g, index, kv, {0, 2, 3, 1}, true, group);
  }
  if (!q || !k) return false;
  if (q->heads != k->heads || q->heads != v->heads || q->dim != k->dim || q->dim != v->dim)
    return false;
  // Separate projections (Concat below), or parts 0, 1, 2 of one packed QKV (used as it is).
  const bool packed = q->part == 0 && k->part == 1 && v->part == 2 && q->src == k->src && q->src == v->src;
  if (!packed && (q->part >= 0 || k->part >= 0 || v->part >= 0)) return false;
  // Rotary embeddings: the same cos and sin on q and k, none on v.
  if (q->cos != k->cos || q->sin != k->sin) return false;
  const ir::Shape& qs = index.type(q->src).shape;
  if (!same_shape(qs, index.type(k->src).shape) || !same_shape(qs, index.type(v->src).shape))
    return false;
  if (!qs[0].same_as(batch) || !qs[1].same_as(seq)) return false;
  auto table = [&](ir::ValueId value, auto&& evaluate) -> const Tensor* {
    const std::string& key = g.value(value).name;
    auto it = evaluated.tables.find(key);
    if (it == evaluated.tables.end()) it = evaluated.tables.emplace(key, evaluate()).first;
    return it->second ? &*it->second : nullptr;
  };
  const Tensor* rel = nullptr;
  int64_t window = 0;
  if (position_bias != ir::kNoValue) {
    rel = table(position_bias, [&] { return distance_bias_table(g, position_bias, batch, seq, q->heads); });
    if (!rel) return false;
    if (const std::optional<int64_t> w = window_of(*rel)) {  // a sliding window: an attribute
      if (*w == 0) return false;  // each token attends to itself only: not a window bertc runs
      window = *w;
      rel = nullptr;
    }
  }
  const Tensor* cos = nullptr;
  const Tensor* sin = nullptr;
  if (q->cos != ir::kNoValue) {
    cos = table(q->cos, [&] { return rotary_table(g, q->cos, batch, seq); });
    sin = table(q->sin, [&] { return rotary_table(g, q->sin, batch, seq); });
    if (!cos || !sin || cos->dim(1) != q->dim || sin->dim(1) != q->dim) return false;
  }
  // Disentangled attention: the projections as [NH, P, D] scaled to the content term's scale,
  // one table of position rows by distance for both terms.
  std::optional<Tensor> pos_key, pos_query;
  const Tensor* pos_index = nullptr;
  for (Disentangled* term : {&c2p, &p2c}) {
    if (term->heads == ir::kNoValue) continue;
    const Tensor* rows = table(term->index, [&] {
      return position_index_table(g, term->index, batch, seq, term == &p2c);
    });
    if (!rows || (pos_index && std::memcmp(rows->raw(), pos_index->raw(), rows->nbytes()) != 0)) return false;
    pos_index = rows;
    std::optional<Tensor> projection = position_projection(g, term->projection, batch, seq, flat_rows, q->heads, q->dim);
    if (!projection || projection->dim(2) != q->dim) return false;
    const float ratio = static_cast<float>(term->factor / scale);
    for (int64_t i = 0; i < projection->numel(); ++i) projection->data<float>()[i] *= ratio;
    (term == &c2p ? pos_key : pos_query) = std::move(projection);
  }
  if (pos_index) {
    const int64_t P = (pos_key ? *pos_key : *pos_query).dim(1);
    const int64_t* r = pos_index->data<int64_t>();
    if ((pos_key && pos_query && pos_query->dim(1) != P) ||
        std::any_of(r, r + pos_index->numel(), [&](int64_t x) { return x < 0 || x >= P; })) {
      return false;
    }
  }
  if (flat && !check_reshapes(g, flat_checks, batch, seq, flat_rows, q->heads, q->dim)) return false;
  const ir::Shape& os = index.type(out).shape;
  if (flat && os.size() == 3) {
    // [B, S, NH·D]: the checked Reshapes and Transpose (0, 2, 1, 3) make it so, whatever dims
    // the types lost
  } else if (os.size() != 3 || !os[0].same_as(batch) || !os[1].same_as(seq) || !os[2].is_known() ||
      os[2].value != q->heads * q->dim) {
    return false;
  }

  // The bias [B, S]: from an additive mask m [B, 1, 1, S] by a Reshape; from a Where's
  // condition c by Where(c, min, 0), c taken before its Reshape to [B, 1, 1, S] if it has one;
  // from the mask input of a mask recognized by value as (1 - mask) · float32 min.
  enum class BiasForm { kReshapeMask, kWhere, kWhereReshape, kFromInput } form = BiasForm::kReshapeMask;
  if (evaluated_mask) {
    form = BiasForm::kFromInput;
    if (evaluated_mask->window > 0) {
      if (window > 0 && window != evaluated_mask->window) return false;
      window = evaluated_mask->window;
    }
  } else if (mask == ir::kNoValue) {
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
  } else if (form == BiasForm::kFromInput) {
    ir::Attrs to_f32;
    to_f32.set("to", static_cast<int64_t>(DType::kF32));
    ir::ValueId on = new_value(g, name + "_mask_f32"), off = new_value(g, name + "_mask_off");
    added.push_back(make_node(ir::Op::Cast, name + "_mask_f32", {evaluated_mask->input}, {on}, to_f32));
    ir::ValueId one = new_constant(g, name + "_mask_one", Tensor::from_vector<float>({1.0f}, {}));
    added.push_back(make_node(ir::Op::Sub, name + "_mask_off", {one, on}, {off}));
    ir::ValueId lo = new_constant(g, name + "_mask_min",
                                  Tensor::from_vector<float>({std::numeric_limits<float>::lowest()}, {}));
    added.push_back(make_node(ir::Op::Mul, name + "_bias", {off, lo}, {bias}));
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
  ir::ValueId qkv = q_src;
  if (!packed) {
    qkv = new_value(g, name + "_qkv");
    ir::Attrs concat_attrs;
    concat_attrs.set("axis", int64_t{-1});
    added.push_back(
        make_node(ir::Op::Concat, name + "_qkv", {q_src, k_src, v_src}, {qkv}, concat_attrs));
  }
  ir::Attrs attrs;
  attrs.set("num_heads", heads);
  attrs.set("scale", static_cast<float>(scale));
  if (window > 0) attrs.set("window", window);
  std::vector<ir::ValueId> inputs = {qkv, bias};
  if (rel || cos) {
    inputs.push_back(rel ? evaluated.constant_for(g, g.value(position_bias).name, name + "_rel", *rel) : ir::kNoValue);
  }
  if (cos) {
    inputs.push_back(evaluated.constant_for(g, g.value(q->cos).name, name + "_cos", *cos));
    inputs.push_back(evaluated.constant_for(g, g.value(q->sin).name, name + "_sin", *sin));
  }
  if (pos_index) {
    inputs.resize(5, ir::kNoValue);
    inputs.push_back(pos_key ? new_constant(g, name + "_pos_key", *pos_key) : ir::kNoValue);
    inputs.push_back(pos_query ? new_constant(g, name + "_pos_query", *pos_query) : ir::kNoValue);
    const ir::ValueId from = c2p.heads != ir::kNoValue ? c2p.index : p2c.index;
    inputs.push_back(evaluated.constant_for(g, g.value(from).name, name + "_pos_index", *pos_index));
  }
  added.push_back(make_node(ir::Op::Attention, name + "_attention", inputs, {out}, attrs));
  apply_rewrite(g, group, std::move(added));
  return true;
}

}  // namespace

void fuse_attention(ir::Graph& g) {
  Evaluated evaluated;
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match(g, index, n, evaluated); });
  g.sort_topologically();
}

}  // namespace bertc::passes
