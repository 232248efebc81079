// Recognizing a relative position bias that depends on the distance between tokens only, as
// MPNet's encoder computes it once from the sequence length (arange, buckets with a log and
// a clamp, Gather from a [buckets, heads] table, permute, expand) and adds to every layer's
// scores. The subgraph's form does not matter: it is evaluated with the reference kernels
// on concrete lengths, and accepted when the bias is the same for every pair of tokens at
// the same distance and does not depend on the sequence length.
#pragma once

#include <optional>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::passes {

// The longest sequence a fused relative position bias covers (MPNet takes 512 tokens).
inline constexpr int64_t kDistanceBiasSpan = 512;

// v: a float32 [1 | batch, heads, seq, seq] value computed from constants and the shapes of
// values only (no input's data). Returns the bias by distance as [heads, 2R - 1] with R =
// kDistanceBiasSpan (entry d + R - 1 is the bias of key j for query i with j - i = d), or
// nullopt when v is not such a bias (or cannot be evaluated).
std::optional<Tensor> distance_bias_table(const ir::Graph& g, ir::ValueId v, const ir::Dim& batch,
                                          const ir::Dim& seq, int64_t heads);

}  // namespace bertc::passes
