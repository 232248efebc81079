// Constants that depend on token positions only, recognized by value: MPNet's relative position
// bias and ModernBERT's sliding window (added to the attention scores), ModernBERT's rotary
// cos / sin (multiplying q and k). Exporters compute them from the sequence length in many
// ways (arange, buckets with a log, comparisons, matmuls of frequencies); their form does not
// matter here: the subgraph is evaluated with the reference kernels on concrete lengths and
// accepted only when it has the property the fused kernel relies on, checked on every element.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::passes {

// The longest sequence a fused bias by distance covers (MPNet takes 512 tokens), and the
// longest a window can be told from (its half-width must be smaller).
inline constexpr int64_t kDistanceBiasSpan = 512;
// The positions rotary tables are evaluated for (ModernBERT takes 8192 tokens).
inline constexpr int64_t kRotarySpan = 8192;

// v: a float32 [1 | batch, heads | 1, seq, seq] value computed from constants and the shapes of
// values only (no input's data). Returns the bias by distance as [heads | 1, 2R - 1] with R =
// kDistanceBiasSpan (entry d + R - 1 is the bias of key j for query i with j - i = d), or
// nullopt when v is not such a bias (or cannot be evaluated).
std::optional<Tensor> distance_bias_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, int64_t heads);

// An additive attention mask m [B, 1, S, S] (ModernBERT's: the padding of the keys, expanded,
// and in its local layers a sliding window too), or a bool one, true where masked (DeBERTa's
// condition: key or query padding), computed from one graph input, the attention mask
// [batch, seq] (int or bool), and shapes: evaluated with every token real (no padding: 0 /
// false, or a window by distance) and with two right-padded rows (far / true exactly at padded
// keys and outside the window, for every real query; rows of padded queries are not looked at,
// as the fused attention leaves them unspecified). The mask is then the usual padding bias plus
// `window`.
struct AdditiveMask {
  ir::ValueId input;   // the attention mask graph input
  int64_t window = 0;  // > 0: keys farther than this are left out; 0: none
};
std::optional<AdditiveMask> additive_mask(const ir::Graph& g, ir::ValueId m, const ir::Dim& batch,
                                          const ir::Dim& seq);

// A table by distance that is a sliding window — 0 for |d| <= w, a value no score survives
// (<= -1e30, or -inf) beyond, the same for every head — gives w (>= 0); else nullopt.
std::optional<int64_t> window_of(const Tensor& table);

// v: an integer 1-D value computed from constants and shapes only (a Reshape's target): its
// value with the dims `batch` = B and `seq` = S and the values in `shapes` bound to float32
// zeros of the given dims (values whose inferred dims are lost), else nullopt.
std::optional<std::vector<int64_t>> shape_value_at(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                                   const ir::Dim& seq, int64_t B, int64_t S,
                                                   const std::vector<std::pair<ir::ValueId, Dims>>& shapes);

// v: a float scalar computed from constants and the shapes of `rows`, values whose inferred dims
// are lost but known to be [B·heads, S, dim] (DeBERTa's scale √(head size · factor), read off
// its flattened q): its value when it is the same bound at (B, S) = (1, 7) and (2, 9), else
// nullopt.
std::optional<double> scalar_from_row_shapes(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                             const ir::Dim& seq, const std::vector<ir::ValueId>& rows,
                                             int64_t heads, int64_t dim);

// DeBERTa's disentangled attention. v: the position projections a MatMul multiplies each head's
// q or k by, [B·heads, D, P], computed from constants and shapes only (rel_embeddings through
// query_proj / key_proj, repeated per batch row; `rows` as for scalar_from_row_shapes, whose
// shapes give the repeats): returns them as [heads, P, D] when they do not depend on the batch
// or the length, else nullopt.
std::optional<Tensor> position_projection(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, const std::vector<ir::ValueId>& rows,
                                          int64_t heads, int64_t dim);

// v: the int64 [..., seq, seq] indices a GatherElements picks each pair's position row with
// (before their Expand to [B·heads, seq, seq]), computed from shapes only. Returns the row of query i and key j as table[j - i + R - 1]
// (R = kDistanceBiasSpan) when it depends on j - i alone (every head, every length); with
// `transposed` v[j][i] is the pair's row (the p2c term, transposed after its gather).
std::optional<Tensor> position_index_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                           const ir::Dim& seq, bool transposed);

// v: a float32 [1, ..., 1, seq, D] value computed from constants and shapes only (rotary cos or
// sin). Returns it for seq = kRotarySpan as [kRotarySpan, D] when its rows do not depend on the
// sequence length (a short evaluation is the long one's first rows), else nullopt.
std::optional<Tensor> rotary_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                   const ir::Dim& seq);

}  // namespace bertc::passes
