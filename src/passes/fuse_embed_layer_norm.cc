// fuse_embed_layer_norm: the embeddings of BERT-family models into
// bertc.EmbedLayerNorm(ids, token_types?, positions, word, type?, position, gamma, beta).
//
// A bertc.LayerNorm (after fuse_layer_norm) whose X (and skip) is one Gather (axis 0) of a
// float32 constant table [rows, H] by a graph input (ModernBERT's word embeddings alone), or a
// sum — a tree of Adds read only by the tree — of 2 or 3 such Gathers:
//   word      the table indexed by a graph input, named like "word_embeddings" or else the
//             largest such table;
//   position  of the others, the one named like "position", else the one not indexed by a
//             graph input, else the larger;
//   type      the remaining one (BERT's token_type_ids; none for DistilBERT).
// The position indices stay computed as before (BERT: a slice of the constant position_ids
// [1, S]; RoBERTa: from input_ids by CumSum; DistilBERT: Range expanded to [B, S]).
// A type table of one row (RoBERTa: type_vocab_size = 1) can only ever give row 0, so it is
// folded into the position table (position + type[0]) and dropped with its index computation.
#include <algorithm>
#include <optional>

#include "passes/pattern.h"
#include "ir/op_attrs.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

struct Lookup {
  int32_t node;
  ir::ValueId table, indices;
  bool by_input;  // indices are a graph input
};

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

// Leaves of the Add tree rooted at v (v itself when it is not an Add read only by the tree).
void add_leaves(const GraphIndex& index, ir::ValueId v, bool root, std::vector<ir::ValueId>& leaves,
                std::vector<int32_t>& adds) {
  const ir::Node* add = index.producer_if(v, ir::Op::Add);
  if (add && (root || index.single_use(v)) && leaves.size() + adds.size() < 8) {
    adds.push_back(index.index_of(add));
    add_leaves(index, add->inputs[0], false, leaves, adds);
    add_leaves(index, add->inputs[1], false, leaves, adds);
    return;
  }
  leaves.push_back(v);
}

bool is_index(const ir::TypeInfo& t) { return t.dtype == DType::kI64 || t.dtype == DType::kI32; }

bool match(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& ln = g.nodes[n];
  if (ln.op != ir::Op::LayerNorm) return false;
  std::vector<ir::ValueId> leaves;
  std::vector<int32_t> adds;
  add_leaves(index, ln.inputs[0], index.single_use(ln.inputs[0]), leaves, adds);
  if (ln.has_input(3))
    add_leaves(index, ln.inputs[3], index.single_use(ln.inputs[3]), leaves, adds);
  if (leaves.empty() || leaves.size() > 3) return false;
  std::vector<Lookup> lookups;
  for (ir::ValueId leaf : leaves) {
    const ir::Node* gather = index.producer_if(leaf, ir::Op::Gather);
    if (!gather || ir::AxisAttrs(*gather).axis != 0) return false;
    const Tensor* table = constant(g, gather->inputs[0]);
    if (!table || table->dtype() != DType::kF32 || table->rank() != 2) return false;
    const ir::TypeInfo& it = index.type(gather->inputs[1]);
    if (!is_index(it) || it.shape.size() != 2) return false;
    bool by_input =
        std::find(g.inputs.begin(), g.inputs.end(), gather->inputs[1]) != g.inputs.end();
    lookups.push_back({index.index_of(gather), gather->inputs[0], gather->inputs[1], by_input});
  }
  const int64_t h = g.value(lookups[0].table).data->dim(1);
  for (const Lookup& l : lookups) {
    if (g.value(l.table).data->dim(1) != h) return false;
  }
  auto rows = [&](const Lookup& l) { return g.value(l.table).data->dim(0); };
  auto name = [&](const Lookup& l) { return g.value(l.table).name; };
  // word
  std::optional<size_t> word;
  for (size_t i = 0; i < lookups.size(); ++i) {
    if (lookups[i].by_input && contains(name(lookups[i]), "word")) word = i;
  }
  if (!word) {
    for (size_t i = 0; i < lookups.size(); ++i) {
      if (lookups[i].by_input && (!word || rows(lookups[i]) > rows(lookups[*word]))) word = i;
    }
  }
  if (!word) return false;
  std::vector<size_t> rest;
  for (size_t i = 0; i < lookups.size(); ++i) {
    if (i != *word) rest.push_back(i);
  }
  if (rest.empty()) {  // the word lookup alone
    if (!same_shape(index.type(ln.outputs[0]).shape, index.type(leaves[*word]).shape)) return false;
    std::vector<int32_t> group = adds;
    group.push_back(n);
    group.push_back(lookups[*word].node);
    if (!can_replace(index, group, {ln.outputs[0]})) return false;
    ir::Attrs attrs;
    attrs.set("epsilon", ir::EpsilonAttrs(ln).epsilon);
    std::vector<ir::ValueId> inputs{lookups[*word].indices, ir::kNoValue, ir::kNoValue,
                                    lookups[*word].table,   ir::kNoValue, ir::kNoValue,
                                    ln.inputs[1],           ln.inputs[2]};
    apply_rewrite(g, group, {make_node(ir::Op::EmbedLayerNorm, ln.name, inputs, {ln.outputs[0]}, attrs)});
    return true;
  }
  // position
  std::optional<size_t> pos;
  for (size_t i : rest) {
    if (contains(name(lookups[i]), "position")) pos = i;
  }
  if (!pos && rest.size() == 2 && lookups[rest[0]].by_input != lookups[rest[1]].by_input) {
    pos = lookups[rest[0]].by_input ? rest[1] : rest[0];
  }
  if (!pos) {
    for (size_t i : rest) {
      if (!pos || rows(lookups[i]) > rows(lookups[*pos])) pos = i;
    }
  }
  if (rest.size() == 1 && contains(name(lookups[*pos]), "token_type")) return false;
  std::optional<size_t> type;
  for (size_t i : rest) {
    if (i != *pos) type = i;
  }
  // Shapes: ids [B, S], positions [B|1, S], token types [B, S]; a dim shape inference could not
  // tell (an index computed with Expand or ConstantOfShape) is checked by the kernel at run time.
  // The sum must not broadcast beyond the word lookup's [B, S, H].
  auto fits = [](const ir::Dim& d, const ir::Dim& want) {
    return d.same_as(want) || (!d.is_known() && d.symbol.empty()) ||
           (d.is_known() && want.is_known() && d.value == want.value);
  };
  const ir::Shape& ids_shape = index.type(lookups[*word].indices).shape;
  const ir::Shape& pos_shape = index.type(lookups[*pos].indices).shape;
  if (!(pos_shape[0].is_known() && pos_shape[0].value == 1) && !fits(pos_shape[0], ids_shape[0])) {
    return false;
  }
  if (!fits(pos_shape[1], ids_shape[1])) return false;
  if (type && rows(lookups[*type]) > 1) {
    const ir::Shape& ts = index.type(lookups[*type].indices).shape;
    if (!fits(ts[0], ids_shape[0]) || !fits(ts[1], ids_shape[1])) return false;
  }
  if (!same_shape(index.type(ln.outputs[0]).shape, index.type(leaves[*word]).shape)) return false;

  std::vector<int32_t> group = adds;
  group.push_back(n);
  for (const Lookup& l : lookups) group.push_back(l.node);
  if (!can_replace(index, group, {ln.outputs[0]})) return false;

  ir::ValueId pos_table = lookups[*pos].table;
  ir::ValueId type_ids = ir::kNoValue, type_table = ir::kNoValue;
  if (type && rows(lookups[*type]) == 1) {
    const Tensor& p = *g.value(pos_table).data;
    const float* t = g.value(lookups[*type].table).data->data<float>();
    Tensor sum = Tensor::empty(DType::kF32, p.shape());
    for (int64_t r = 0; r < p.dim(0); ++r) {
      for (int64_t k = 0; k < h; ++k)
        sum.data<float>()[r * h + k] = p.data<float>()[r * h + k] + t[k];
    }
    pos_table = new_constant(g, g.value(pos_table).name + "_plus_type", std::move(sum));
  } else if (type) {
    type_ids = lookups[*type].indices;
    type_table = lookups[*type].table;
  }
  ir::Attrs attrs;
  attrs.set("epsilon", ir::EpsilonAttrs(ln).epsilon);
  std::vector<ir::ValueId> inputs{lookups[*word].indices, type_ids,    lookups[*pos].indices,
                                  lookups[*word].table,   type_table,  pos_table,
                                  ln.inputs[1],           ln.inputs[2]};
  ir::Node fused = make_node(ir::Op::EmbedLayerNorm, ln.name, inputs, {ln.outputs[0]}, attrs);
  apply_rewrite(g, group, {std::move(fused)});
  return true;
}

}  // namespace

void fuse_embed_layer_norm(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return match(g, index, n); });
  g.sort_topologically();
}

}  // namespace bertc::passes
