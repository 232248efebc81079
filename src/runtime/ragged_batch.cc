// Session::run(RaggedBatch): checks a ragged batch sequence by sequence, lays it out as the
// model's inputs (right-padded [B, S], which a packed plan reads back as real tokens only),
// runs it, and returns the outputs packed.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "base/checked_math.h"
#include "bertc/error.h"
#include "runtime/session_impl.h"

namespace bertc {
namespace {

// The graph inputs a ragged batch feeds, by Hugging Face's names.
struct RaggedInputs {
  int ids = -1, mask = -1, types = -1;
};

RaggedInputs ragged_inputs(const ir::Graph& g) {
  RaggedInputs r;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const std::string& name = g.value(g.inputs[i]).name;
    int* role = name == "input_ids"        ? &r.ids
                : name == "attention_mask" ? &r.mask
                : name == "token_type_ids" ? &r.types
                                           : nullptr;
    if (!role) {
      throw Error("a ragged batch feeds input_ids, attention_mask and token_type_ids, but the model "
                  "also takes input '" + name + "': set its inputs by name instead");
    }
    *role = static_cast<int>(i);
  }
  if (r.ids < 0) throw Error("a ragged batch needs a model input named 'input_ids'");
  return r;
}

// A [B, S] tensor of `dtype` (int64 or int32), rows filled from `row(b, j)` for j < len(b) and
// 0 after.
template <typename Fill>
Tensor padded_input(DType dtype, std::span<const int64_t> lengths, int64_t S, Fill row) {
  const auto B = static_cast<int64_t>(lengths.size());
  Tensor t = Tensor::empty(dtype, {B, S});
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t j = 0; j < S; ++j) {
      const int64_t v = j < lengths[b] ? row(b, j) : 0;
      if (dtype == DType::kI64) {
        t.data<int64_t>()[b * S + j] = v;
      } else {
        t.data<int32_t>()[b * S + j] = static_cast<int32_t>(v);
      }
    }
  }
  return t;
}

}  // namespace

Tensor RaggedOutput::sequence(std::size_t i) const {
  if (i >= sequences()) {
    throw Error("output '" + name + "': no sequence " + std::to_string(i) + " in a batch of " +
                std::to_string(sequences()));
  }
  Dims dims = data.shape();
  dims[0] = offsets[i + 1] - offsets[i];
  const size_t row_bytes = data.dim(0) ? data.nbytes() / static_cast<size_t>(data.dim(0)) : 0;
  auto* base = static_cast<std::byte*>(const_cast<void*>(data.raw()));
  return Tensor::view(data.dtype(), dims, base + static_cast<size_t>(offsets[i]) * row_bytes);
}

std::vector<RaggedOutput> Session::run(const RaggedBatch& batch) {
  const std::lock_guard<std::mutex> lock(impl_->use_mutex);
  impl_->check_bound("run", "batch");
  Impl& im = *impl_;
  const ir::Graph& g = im.graph();
  const RaggedInputs roles = ragged_inputs(g);

  // The batch itself: lengths, ids, type ids.
  if (batch.lengths.empty()) throw Error("a ragged batch needs at least one sequence");
  std::vector<int64_t> offsets = {0};
  int64_t S = 0;
  for (size_t i = 0; i < batch.lengths.size(); ++i) {
    const int64_t len = batch.lengths[i];
    if (len <= 0) {
      throw Error("sequence " + std::to_string(i) + " has length " + std::to_string(len) +
                  " (every sequence needs at least one token)");
    }
    offsets.push_back(base::checked_add(offsets.back(), len, "the sequence lengths"));
    S = std::max(S, len);
  }
  if (offsets.back() != static_cast<int64_t>(batch.ids.size())) {
    throw Error("the sequence lengths sum to " + std::to_string(offsets.back()) + ", but " +
                std::to_string(batch.ids.size()) + " token ids were given");
  }
  if (!batch.type_ids.empty() && batch.type_ids.size() != batch.ids.size()) {
    throw Error(std::to_string(batch.type_ids.size()) + " type ids were given for " +
                std::to_string(batch.ids.size()) + " token ids");
  }
  const bool any_type = std::any_of(batch.type_ids.begin(), batch.type_ids.end(),
                                    [](int64_t t) { return t != 0; });
  if (any_type && roles.types < 0) {
    throw Error("the batch has token type ids, but the model takes no 'token_type_ids'");
  }
  // The model's limits, per sequence: its length, and its ids' tables.
  auto sequence_of = [&](size_t flat) {
    return static_cast<size_t>(std::upper_bound(offsets.begin(), offsets.end(),
                                                static_cast<int64_t>(flat)) - offsets.begin() - 1);
  };
  for (const ir::InputCheck& check : g.input_checks) {
    const bool on_ids = check.input == g.inputs[roles.ids];
    const bool on_types = roles.types >= 0 && check.input == g.inputs[roles.types];
    if (check.kind == ir::InputCheck::Kind::kMaxDim && (on_ids || on_types) && S > check.hi) {
      const size_t i = static_cast<size_t>(
          std::find_if(batch.lengths.begin(), batch.lengths.end(),
                       [&](int64_t len) { return len > check.hi; }) - batch.lengths.begin());
      throw Error("sequence " + std::to_string(i) + " has " + std::to_string(batch.lengths[i]) +
                  " tokens, but the model supports at most " + std::to_string(check.hi) + " (" +
                  check.what + ")");
    }
    if (check.kind != ir::InputCheck::Kind::kIndexRange || !(on_ids || on_types)) continue;
    const std::span<const int64_t> values = on_ids ? batch.ids : batch.type_ids;
    for (size_t k = 0; k < values.size(); ++k) {
      if (values[k] >= check.lo && values[k] < check.hi) continue;
      const size_t i = sequence_of(k);
      throw Error("sequence " + std::to_string(i) + ", token " +
                  std::to_string(static_cast<int64_t>(k) - offsets[i]) + ": " +
                  (on_ids ? "token id " : "token type id ") + std::to_string(values[k]) +
                  " is outside [" + std::to_string(check.lo) + ", " + std::to_string(check.hi) +
                  ") of " + check.what);
    }
  }

  // The model's inputs, right-padded to the longest sequence.
  auto input_dtype = [&](int index) { return g.value(g.inputs[static_cast<size_t>(index)]).type.dtype; };
  auto at = [&](std::span<const int64_t> v) {
    return [&offsets, v](int64_t b, int64_t j) { return v.empty() ? 0 : v[offsets[b] + j]; };
  };
  im.inputs[roles.ids] = padded_input(input_dtype(roles.ids), batch.lengths, S, at(batch.ids));
  if (roles.mask >= 0) {
    im.inputs[roles.mask] = padded_input(input_dtype(roles.mask), batch.lengths, S,
                                         [](int64_t, int64_t) { return int64_t{1}; });
  } else if (std::any_of(batch.lengths.begin(), batch.lengths.end(), [&](int64_t len) { return len < S; })) {
    throw Error("sequences of different lengths need a model input named 'attention_mask'");
  }
  if (roles.types >= 0) {
    im.inputs[roles.types] = padded_input(input_dtype(roles.types), batch.lengths, S, at(batch.type_ids));
  }
  im.run(/*values_checked=*/true);  // checked above, per sequence

  // The outputs, packed.
  const runtime::Plan& plan = *im.current;
  const std::vector<ir::Dim>& id_dims = g.value(g.inputs[roles.ids]).type.shape;
  const auto B = static_cast<int64_t>(batch.lengths.size());
  std::vector<RaggedOutput> outputs;
  for (ir::ValueId id : g.outputs) {
    RaggedOutput out;
    out.name = g.value(id).name;
    const Tensor& padded = plan.output(id);
    const std::vector<ir::Dim>& dims = g.value(id).type.shape;
    const bool seq_axis = dims.size() >= 2 && id_dims.size() == 2 && !id_dims[1].symbol.empty() &&
                          dims[1].symbol == id_dims[1].symbol;
    out.per_token = im.program.packing.value_in_region[id] || seq_axis;
    if (!out.per_token || padded.rank() < 2 || padded.dim(0) != B || padded.dim(1) != S) {
      out.per_token = false;
      out.data = Tensor::copy_of(padded);
      out.offsets.resize(static_cast<size_t>(B) + 1);
      std::iota(out.offsets.begin(), out.offsets.end(), int64_t{0});
      outputs.push_back(std::move(out));
      continue;
    }
    out.offsets = offsets;
    Dims rows = padded.shape();
    rows.erase(rows.begin());
    rows[0] = offsets.back();
    out.data = Tensor::empty(padded.dtype(), rows);
    if (plan.packed() && im.program.packing.value_in_region[id]) {  // already packed
      std::memcpy(out.data.raw(), plan.value(id).raw(), out.data.nbytes());
    } else {
      const size_t row_bytes = padded.nbytes() / static_cast<size_t>(B * S);
      for (int64_t b = 0; b < B; ++b) {
        std::memcpy(static_cast<std::byte*>(out.data.raw()) + static_cast<size_t>(offsets[b]) * row_bytes,
                    static_cast<const std::byte*>(padded.raw()) + static_cast<size_t>(b * S) * row_bytes,
                    static_cast<size_t>(batch.lengths[b]) * row_bytes);
      }
    }
    outputs.push_back(std::move(out));
  }
  return outputs;
}

}  // namespace bertc
