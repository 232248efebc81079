#include "runtime/packing.h"

#include <algorithm>
#include <cstring>

#include "bertc/error.h"
#include "ir/dataflow.h"

namespace bertc::runtime {
namespace {

bool is_unary_elementwise(ir::Op op) {
  switch (op) {
    case ir::Op::Relu: case ir::Op::Tanh: case ir::Op::Erf: case ir::Op::Sigmoid:
    case ir::Op::Exp: case ir::Op::Log: case ir::Op::Cos: case ir::Op::Sin: case ir::Op::Sqrt: case ir::Op::Neg: case ir::Op::Abs:
    case ir::Op::Reciprocal: case ir::Op::Not: case ir::Op::Cast: case ir::Op::Identity:
      return true;
    default:
      return false;
  }
}

bool is_binary_elementwise(ir::Op op) {
  switch (op) {
    case ir::Op::Add: case ir::Op::Sub: case ir::Op::Mul: case ir::Op::Div: case ir::Op::Pow:
    case ir::Op::Min: case ir::Op::Max:
      return true;
    default:
      return false;
  }
}

// A constant that broadcasts along the features only: every dim but the last is 1.
bool is_per_feature_constant(const ir::Value& v) {
  if (!v.is_constant()) return false;
  const Dims& dims = v.data->shape();
  return std::all_of(dims.begin(), dims.end() - (dims.empty() ? 0 : 1),
                     [](int64_t d) { return d == 1; });
}

// A Split or Slice that cuts the last (feature) axis only, with constant parameters: ModernBERT's
// GeGLU halves. Axes come as Split's attribute or Slice's constant input 3 (absent: every axis
// from 0, which is the last only for rank 1).
bool cuts_features_only(const ir::Graph& g, const ir::Node& node) {
  const int64_t rank = static_cast<int64_t>(g.value(node.inputs[0]).type.shape.size());
  auto last = [&](int64_t axis) { return axis == -1 || axis == rank - 1; };
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    if (node.has_input(i) && !g.value(node.inputs[i]).is_constant()) return false;
  }
  if (node.op == ir::Op::Split) return rank >= 2 && last(ir::AxisAttrs(node).axis);
  if (node.op != ir::Op::Slice || !node.has_input(3) || rank < 2) return false;
  for (int64_t axis : g.value(node.inputs[3]).data->to_int64_vector()) {
    if (!last(axis)) return false;
  }
  return true;
}

// Whether `node`, which reads a region value, works token by token (so it joins the region).
// Its operands from outside the region must be constants of its parameters (weights, gains,
// per-feature constants) or per-token values, which a plan gathers (checked by shape there).
bool runs_per_token(const ir::Graph& g, const ir::Node& node) {
  auto constant = [&](size_t i) { return !node.has_input(i) || g.value(node.inputs[i]).is_constant(); };
  switch (node.op) {
    case ir::Op::Dense:
    case ir::Op::DenseBf16:
      return constant(1) && constant(2);
    case ir::Op::DenseInt8:
      return constant(1) && constant(2) && constant(3) && constant(5);
    case ir::Op::LayerNorm:
      return constant(1) && constant(2);
    case ir::Op::Attention:
      return true;  // per sequence, over kernels::Sequences; its mask bias is not read packed
    case ir::Op::GatedActivation:
      return true;
    case ir::Op::Dropout:
      return node.outputs.size() == 1;
    case ir::Op::Split:
    case ir::Op::Slice:
      return cuts_features_only(g, node);
    default:
      break;
  }
  if (is_unary_elementwise(node.op)) return true;
  if (!is_binary_elementwise(node.op)) return false;
  for (ir::ValueId in : node.inputs) {
    const ir::Value& v = g.value(in);
    if (v.is_constant() && !is_per_feature_constant(v)) return false;
  }
  return true;
}

std::string node_str(const ir::Node& node) {
  return "node '" + node.name + "' (" + std::string(ir::op_name(node.op)) + ")";
}

}  // namespace

PackingRegion find_packing_region(const ir::Graph& g) {
  PackingRegion r;
  r.node_in_region.assign(g.nodes.size(), false);
  r.value_in_region.assign(g.values.size(), false);
  bool has_embeddings = false, has_attention = false;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const ir::Node& node = g.nodes[n];
    bool reads_region = false;
    for (ir::ValueId in : node.inputs) reads_region = reads_region || (in != ir::kNoValue && r.value_in_region[in]);
    const bool seed = node.op == ir::Op::EmbedLayerNorm;
    if (!seed && !(reads_region && runs_per_token(g, node))) continue;
    if (node.op == ir::Op::Attention && !(node.has_input(0) && r.value_in_region[node.inputs[0]])) {
      continue;  // attention over something computed outside the region: not packed
    }
    has_embeddings = has_embeddings || seed;
    has_attention = has_attention || node.op == ir::Op::Attention;
    r.node_in_region[n] = true;
    for (ir::ValueId out : node.outputs) r.value_in_region[out] = true;
  }
  if (!has_embeddings) {
    r.refused = "the graph has no fused embeddings (bertc.EmbedLayerNorm; compile at -O2 or above)";
    return r;
  }
  if (!has_attention) {
    r.refused = "no fused attention (bertc.Attention) follows the embeddings";
    return r;
  }
  // The region's inputs from outside must not be computed from the region (through heads or
  // token-mixing ops): the region must be one piece between the embeddings and the heads.
  const std::vector<bool> after_region = ir::computed_from(g, r.value_in_region);
  std::vector<bool> bias(g.values.size(), false);
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    if (!r.node_in_region[n]) continue;
    const ir::Node& node = g.nodes[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ir::ValueId in = node.inputs[i];
      if (in == ir::kNoValue || r.value_in_region[in] || !after_region[in]) continue;
      r.refused = node_str(node) + " reads '" + g.value(in).name +
                  "', which is computed from the per-token values by ops that mix tokens";
      return r;
    }
    if (node.op == ir::Op::Attention && node.has_input(1)) bias[node.inputs[1]] = true;
  }
  // The mask: the one graph input the attention biases are computed from.
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    std::vector<bool> from(g.values.size(), false);
    from[g.inputs[i]] = true;
    const std::vector<bool> dep = ir::computed_from(g, std::move(from));
    bool feeds_bias = false;
    for (size_t v = 0; v < g.values.size(); ++v) feeds_bias = feeds_bias || (bias[v] && dep[v]);
    if (!feeds_bias) continue;
    if (r.mask_input >= 0) {
      r.refused = "the attention bias is computed from two inputs, '" +
                  g.value(g.inputs[r.mask_input]).name + "' and '" + g.value(g.inputs[i]).name + "'";
      return r;
    }
    r.mask_input = static_cast<int32_t>(i);
  }
  if (r.mask_input < 0) r.refused = "the attention takes no mask input, so no batch has padding";
  return r;
}

std::vector<int64_t> right_padded_lengths(const Tensor& mask, std::string* why) {
  if (mask.rank() != 2) {
    *why = "the mask has shape " + dims_str(mask.shape()) + ", not [batch, seq]";
    return {};
  }
  const int64_t B = mask.dim(0), S = mask.dim(1);
  auto nonzero = [&](int64_t i) -> bool {
    switch (mask.dtype()) {
      case DType::kF32: return mask.data<float>()[i] != 0;
      case DType::kF64: return mask.data<double>()[i] != 0;
      case DType::kI8: return mask.data<int8_t>()[i] != 0;
      case DType::kU8: return mask.data<uint8_t>()[i] != 0;
      case DType::kI32: return mask.data<int32_t>()[i] != 0;
      case DType::kI64: return mask.data<int64_t>()[i] != 0;
      case DType::kBool: return mask.data<bool>()[i];
    }
    return false;
  };
  std::vector<int64_t> lengths(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b) {
    int64_t len = 0;
    while (len < S && nonzero(b * S + len)) ++len;
    for (int64_t j = len; j < S; ++j) {
      if (nonzero(b * S + j)) {
        *why = "row " + std::to_string(b) + " of the mask has " +
               (len == 0 ? "left padding" : "a hole") + " (0 at " + std::to_string(len) +
               ", 1 at " + std::to_string(j) + ")";
        return {};
      }
    }
    if (len == 0) {
      *why = "row " + std::to_string(b) + " of the mask is all zeros";
      return {};
    }
    lengths[static_cast<size_t>(b)] = len;
  }
  return lengths;
}

namespace {

struct RowCopy {
  size_t row_bytes;
  int64_t batch, seq;  // the padded side's [B|1, S]
};

// The padded side [B|1, S, ...] and the packed side [1, T, ...] of a packing step, checked.
RowCopy row_copy(const kernels::KernelCall& call, const Tensor& padded, const Tensor& packed) {
  const kernels::Sequences& seqs = *call.sequences;
  const int64_t T = seqs.offsets[seqs.count];
  if (padded.rank() < 2 || packed.rank() != padded.rank() || packed.dim(0) != 1 ||
      packed.dim(1) != T || padded.dim(1) < seqs.max_len ||
      (padded.dim(0) != 1 && padded.dim(0) != seqs.count) || padded.dtype() != packed.dtype()) {
    throw Error("internal error: packing " + dims_str(padded.shape()) + " <-> " +
                dims_str(packed.shape()) + " for " + std::to_string(seqs.count) +
                " sequences of " + std::to_string(T) + " tokens");
  }
  const size_t row_bytes = packed.nbytes() / static_cast<size_t>(std::max<int64_t>(T, 1));
  return {row_bytes, padded.dim(0), padded.dim(1)};
}

}  // namespace

void pack_rows(const kernels::KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  const RowCopy rc = row_copy(call, src, dst);
  const kernels::Sequences& seqs = *call.sequences;
  const auto* from = static_cast<const std::byte*>(src.raw());
  auto* to = static_cast<std::byte*>(dst.raw());
  for (int64_t b = 0; b < seqs.count; ++b) {
    const int64_t len = seqs.offsets[b + 1] - seqs.offsets[b];
    const int64_t src_row = (rc.batch == 1 ? 0 : b) * rc.seq;
    std::memcpy(to + static_cast<size_t>(seqs.offsets[b]) * rc.row_bytes,
                from + static_cast<size_t>(src_row) * rc.row_bytes,
                static_cast<size_t>(len) * rc.row_bytes);
  }
}

void unpack_rows(const kernels::KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  const RowCopy rc = row_copy(call, dst, src);
  const kernels::Sequences& seqs = *call.sequences;
  if (rc.batch != seqs.count) throw Error("internal error: unpacking into a batch of 1");
  const auto* from = static_cast<const std::byte*>(src.raw());
  auto* to = static_cast<std::byte*>(dst.raw());
  for (int64_t b = 0; b < seqs.count; ++b) {
    const auto len = static_cast<size_t>(seqs.offsets[b + 1] - seqs.offsets[b]);
    std::byte* row = to + static_cast<size_t>(b * rc.seq) * rc.row_bytes;
    std::memcpy(row, from + static_cast<size_t>(seqs.offsets[b]) * rc.row_bytes, len * rc.row_bytes);
    std::memset(row + len * rc.row_bytes, 0, (static_cast<size_t>(rc.seq) - len) * rc.row_bytes);
  }
}

}  // namespace bertc::runtime
