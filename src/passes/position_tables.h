// Constants that depend on token positions only, recognized by value: MPNet's relative position
// bias and ModernBERT's sliding window (added to the attention scores), ModernBERT's rotary
// cos / sin (multiplying q and k). Exporters compute them from the sequence length in many
// ways (arange, buckets with a log, comparisons, matmuls of frequencies); their form does not
// matter here: the subgraph is evaluated with the reference kernels on concrete lengths and
// accepted only when it has the property the fused kernel relies on, checked on every element.
#pragma once

#include <cstdint>
#include <optional>

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
// and in its local layers a sliding window too), computed from one graph input, the attention
// mask [batch, seq] (int or bool), and shapes: evaluated with every token real (no padding: 0,
// or a window by distance) and with two right-padded rows (far exactly at padded keys and
// outside the window). The mask is then the usual padding bias plus `window`.
struct AdditiveMask {
  ir::ValueId input;   // the attention mask graph input
  int64_t window = 0;  // > 0: keys farther than this are left out; 0: none
};
std::optional<AdditiveMask> additive_mask(const ir::Graph& g, ir::ValueId m, const ir::Dim& batch,
                                          const ir::Dim& seq);

// A table by distance that is a sliding window — 0 for |d| <= w, a value no score survives
// (<= -1e30, or -inf) beyond, the same for every head — gives w (>= 0); else nullopt.
std::optional<int64_t> window_of(const Tensor& table);

// v: a float32 [1, ..., 1, seq, D] value computed from constants and shapes only (rotary cos or
// sin). Returns it for seq = kRotarySpan as [kRotarySpan, D] when its rows do not depend on the
// sequence length (a short evaluation is the long one's first rows), else nullopt.
std::optional<Tensor> rotary_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                   const ir::Dim& seq);

}  // namespace bertc::passes
