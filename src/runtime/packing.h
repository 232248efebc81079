// Packed execution: a batch's real tokens as one [1, T, ...] matrix, with no work on padding.
//
// The packed part of a graph (its "region") starts at the fused embeddings
// (bertc.EmbedLayerNorm) and holds every node after them that works token by token (Dense,
// LayerNorm, elementwise ops whose other operands are per-feature constants) or is fused
// attention, which runs per sequence over kernels::Sequences. A Plan for a packed batch
// gathers the region's per-token inputs (ids, positions, ...) from [B|1, S, ...] into
// [1, T, ...] rows, runs the region on them, and scatters the values that leave the region
// (into heads, or as outputs) back to [B, S, ...], with zero rows at the padding. The nodes
// outside the region (the mask arithmetic, poolers, classifier heads) run as they would padded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bertc/tensor.h"
#include "ir/graph.h"
#include "kernels/kernel.h"

namespace bertc::runtime {

// What of a graph can run packed; found once, when a Session loads.
struct PackingRegion {
  std::vector<bool> node_in_region;  // per graph node
  std::vector<bool> value_in_region;  // per value: computed inside the region
  int32_t mask_input = -1;            // index in graph.inputs of the attention mask
  std::string refused;                // why the graph cannot run packed ("" when it can)
  bool packable() const { return refused.empty(); }
};

PackingRegion find_packing_region(const ir::Graph& graph);

// The lengths of a right-padded attention mask [B, S] (each row 1…1 then 0…0, at least one 1).
// Returns an empty vector and sets `why` when the mask is not one (holes, left padding, an
// all-zero row, a rank other than 2).
std::vector<int64_t> right_padded_lengths(const Tensor& mask, std::string* why);

// The packing steps' kernels (KernelCall with `sequences` set):
//   pack_rows    src[0] [B|1, S, ...] -> dst[0] [1, T, ...]: sequence b's first len(b) rows
//                (row b of a batch-1 source broadcast to every sequence);
//   unpack_rows  src[0] [1, T, ...] -> dst[0] [B, S, ...]: each sequence's rows back in place,
//                zero rows at the padding.
// Any dtype; rows are copied as bytes.
void pack_rows(const kernels::KernelCall& call);
void unpack_rows(const kernels::KernelCall& call);

}  // namespace bertc::runtime
