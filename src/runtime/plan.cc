#include "runtime/plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"
#include "runtime/memory_planner.h"
#include "runtime/packing.h"

namespace bertc::runtime {
namespace {

constexpr size_t kNotInArena = std::numeric_limits<size_t>::max();

std::vector<ir::TypeInfo> infer_node(const ir::Node& node, const std::vector<const ir::TypeInfo*>& in,
                                     const std::vector<const Tensor*>& values) {
  ir::ShapeContext ctx{node, in, values};
  uint32_t ports = ir::op_value_ports(node.op);
  for (size_t i = 0; i < in.size(); ++i) {
    if ((ports >> i & 1) && in[i] && !values[i]) {
      ctx.fail("the output shape depends on the run-time contents of input " + std::to_string(i) +
               ", which bertc does not support");
    }
  }
  std::vector<ir::TypeInfo> out = ir::shape_fn(node.op)(ctx);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    if (!ir::shape_is_known(out[i].shape)) {
      ctx.fail("output " + std::to_string(i) + " has unknown shape " +
               ir::shape_str(out[i].shape) + " at plan time");
    }
  }
  return out;
}

// One step before memory planning: its kernel and the slots it reads and writes.
struct StepSpec {
  int32_t node;  // -1: a packing step
  kernels::KernelFn fn;
  const ir::OpAttrs* attrs;  // null for a packing step
  bool inplace_ok;
  bool packed;  // reads kernels::Sequences
  std::vector<int32_t> in, out;  // slots; kNoValue for an omitted input
};

// Builds the slots (types, known values) and the step list of a plan.
class Builder {
 public:
  Builder(const Program& program, const std::vector<Tensor>& inputs, int64_t packed_tokens,
          std::deque<Tensor>& tensors)
      : program_(program), g_(*program.graph), tensors_(tensors), T_(packed_tokens) {
    const size_t n_values = g_.values.size();
    tensors_.resize(n_values);
    types.resize(n_values);
    known_.assign(n_values, nullptr);
    for (size_t i = 0; i < n_values; ++i) {
      const ir::Value& v = g_.values[i];
      if (!v.is_constant()) continue;
      types[i] = v.type;
      tensors_[i] = *v.data;
      known_[i] = &tensors_[i];
    }
    for (size_t i = 0; i < g_.inputs.size(); ++i) {
      const ir::ValueId id = g_.inputs[i];
      const Tensor& t = inputs[i];
      types[id] = ir::TypeInfo{t.dtype(), ir::shape_of(t.shape())};
      tensors_[id] = Tensor::view(t.dtype(), t.shape(), const_cast<void*>(t.raw()));
      if (program.input_keys_values[i]) known_[id] = &tensors_[id];
    }
    if (T_ > 0) {
      const Tensor& mask = inputs[static_cast<size_t>(program.packing.mask_input)];
      B_ = mask.dim(0);
      S_ = mask.dim(1);
      packed_of_.assign(n_values, ir::kNoValue);
      padded_of_.assign(n_values, ir::kNoValue);
      scattered_.assign(n_values, false);
    }
  }

  void add_node(size_t n) {
    const ir::Node& node = g_.nodes[n];
    const bool in_region = T_ > 0 && program_.packing.node_in_region[n];
    const bool shape_only = ir::op_reads_only_shapes(node.op);
    std::vector<int32_t> in(node.inputs.size(), ir::kNoValue);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ir::ValueId v = node.inputs[i];
      if (v == ir::kNoValue) continue;
      if (in_region) {
        if (program_.packing.value_in_region[v] || g_.value(v).is_constant()) {
          in[i] = v;
        } else if (!(node.op == ir::Op::Attention && i == 1)) {  // a packed batch has no mask
          in[i] = gathered(v);
        }
      } else {
        in[i] = T_ > 0 && program_.packing.value_in_region[v] ? scattered(v, !shape_only) : v;
      }
    }
    std::vector<const ir::TypeInfo*> in_types(in.size(), nullptr);
    std::vector<const Tensor*> in_known(in.size(), nullptr);
    bool all_known = true;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] == ir::kNoValue) continue;
      in_types[i] = &types[in[i]];
      in_known[i] = known_[in[i]];
      all_known = all_known && in_known[i];
    }
    std::vector<ir::TypeInfo> out = infer_node(node, in_types, in_known);
    for (size_t i = 0; i < node.outputs.size(); ++i) types[node.outputs[i]] = out[i];
    if (!all_known && !shape_only) {
      const kernels::KernelChoice& k = program_.kernels[n];
      steps.push_back({static_cast<int32_t>(n), k.fn, k.attrs.get(), k.inplace_ok, in_region, in,
                       {node.outputs.begin(), node.outputs.end()}});
      return;
    }
    // Depends only on constants, shapes and key inputs: evaluate now. Shape and Size read
    // only their input's shape, which is always known here.
    std::vector<Tensor> shape_views;  // data-less views for Shape/Size
    shape_views.reserve(in.size());
    std::vector<const Tensor*> src;
    for (int32_t slot : in) {
      if (slot == ir::kNoValue) {
        src.push_back(nullptr);
      } else if (known_[slot]) {
        src.push_back(known_[slot]);
      } else {
        const ir::TypeInfo& t = types[slot];
        shape_views.push_back(Tensor::view(t.dtype, ir::shape_values(t.shape), nullptr));
        src.push_back(&shape_views.back());
      }
    }
    std::vector<Tensor> results = kernels::ref::evaluate(node, src, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      tensors_[node.outputs[i]] = std::move(results[i]);
      known_[node.outputs[i]] = &tensors_[node.outputs[i]];
    }
  }

  // The slot a caller reads graph output `id` from.
  int32_t output_slot(ir::ValueId id) {
    return T_ > 0 && program_.packing.value_in_region[id] ? scattered(id, true) : id;
  }

  std::vector<ir::TypeInfo> types;  // per slot
  std::vector<StepSpec> steps;

 private:
  int32_t new_slot(ir::TypeInfo type) {
    tensors_.emplace_back();
    types.push_back(std::move(type));
    known_.push_back(nullptr);
    return static_cast<int32_t>(types.size() - 1);
  }

  // Region input `v` ([B|1, S, ...], padded) as packed [1, T, ...] rows.
  int32_t gathered(ir::ValueId v) {
    if (packed_of_[v] != ir::kNoValue) return packed_of_[v];
    const ir::TypeInfo& t = types[v];
    const Dims dims = ir::shape_values(t.shape);
    if (dims.size() < 2 || (dims[0] != B_ && dims[0] != 1) || dims[1] != S_) {
      throw PackingRefused("'" + g_.value(v).name + "' has shape " + dims_str(dims) +
                           ", not [batch or 1, seq, ...] with batch = " + std::to_string(B_) +
                           ", seq = " + std::to_string(S_));
    }
    Dims packed = dims;
    packed[0] = 1;
    packed[1] = T_;
    const int32_t slot = new_slot({t.dtype, ir::shape_of(packed)});
    steps.push_back({-1, &pack_rows, nullptr, false, true, {v}, {slot}});
    packed_of_[v] = slot;
    return slot;
  }

  // Region value `v` ([1, T, ...]) as padded [B, S, ...]; the scatter step is added when the
  // contents are read (`data`), not for a Shape.
  int32_t scattered(ir::ValueId v, bool data) {
    if (padded_of_[v] == ir::kNoValue) {
      Dims dims = ir::shape_values(types[v].shape);
      dims[0] = B_;
      dims[1] = S_;
      padded_of_[v] = new_slot({types[v].dtype, ir::shape_of(dims)});
    }
    const int32_t slot = padded_of_[v];
    if (data && !scattered_[v]) {
      steps.push_back({-1, &unpack_rows, nullptr, false, true, {v}, {slot}});
      scattered_[v] = true;
    }
    return slot;
  }

  const Program& program_;
  const ir::Graph& g_;
  std::deque<Tensor>& tensors_;
  std::vector<const Tensor*> known_;  // per slot: its value when fixed for this plan
  int64_t T_, B_ = 0, S_ = 0;
  std::vector<int32_t> packed_of_, padded_of_;  // per graph value: its packing slot
  std::vector<bool> scattered_;
};

}  // namespace

Plan::Plan(const Program& program, const std::vector<Tensor>& inputs, cpu::ThreadPool* pool,
           int64_t packed_tokens)
    : program_(program), packed_tokens_(packed_tokens) {
  const ir::Graph& graph = *program.graph;
  Builder b(program, inputs, packed_tokens, tensors_);
  for (size_t n = 0; n < graph.nodes.size(); ++n) b.add_node(n);
  for (ir::ValueId id : graph.outputs) output_slot_.push_back(b.output_slot(id));
  const std::vector<StepSpec>& steps = b.steps;
  const size_t n_slots = tensors_.size();
  arena_offset_.assign(n_slots, kNotInArena);

  // Lifetimes of the slots the steps write, with in-place reuse where allowed. Graph outputs
  // (packed and padded) live to the end.
  const auto n_steps = static_cast<int32_t>(steps.size());
  std::vector<bool> live_to_end(n_slots, false);
  for (ir::ValueId id : graph.outputs) live_to_end[id] = true;
  for (int32_t slot : output_slot_) live_to_end[slot] = true;
  std::vector<int32_t> last_use(n_slots, -1);
  for (int32_t s = 0; s < n_steps; ++s) {
    for (int32_t in : steps[s].in) {
      if (in != ir::kNoValue) last_use[in] = s;
    }
  }
  std::vector<int32_t> buffer_of(n_slots, -1);
  std::vector<BufferRequest> requests;
  for (int32_t s = 0; s < n_steps; ++s) {
    const StepSpec& step = steps[s];
    for (size_t i = 0; i < step.out.size(); ++i) {
      const int32_t out = step.out[i];
      const ir::TypeInfo& t = b.types[out];
      const size_t bytes =
          static_cast<size_t>(dims_numel(ir::shape_values(t.shape))) * dtype_size(t.dtype);
      const int32_t end = live_to_end[out] ? n_steps : std::max(last_use[out], s);
      if (i == 0 && step.inplace_ok && !step.in.empty() && step.in[0] != ir::kNoValue) {
        const int32_t in = step.in[0];
        const int32_t buf = buffer_of[in];
        if (buf >= 0 && last_use[in] == s && !live_to_end[in] && requests[buf].bytes == bytes &&
            requests[buf].last_step == s) {
          buffer_of[out] = buf;
          requests[buf].last_step = end;
          continue;
        }
      }
      buffer_of[out] = static_cast<int32_t>(requests.size());
      requests.push_back({bytes, s, end});
    }
  }
  const ArenaLayout layout = plan_arena(requests);
  arena_bytes_ = layout.total_bytes;
  for (size_t v = 0; v < n_slots; ++v) {
    if (buffer_of[v] < 0) continue;
    arena_offset_[v] = layout.offsets[buffer_of[v]];
    const ir::TypeInfo& t = b.types[v];
    tensors_[v] = Tensor::view(t.dtype, ir::shape_values(t.shape), nullptr);
  }
  src_.resize(steps.size());
  dst_.resize(steps.size());
  for (size_t s = 0; s < steps.size(); ++s) {
    const StepSpec& step = steps[s];
    for (int32_t in : step.in) src_[s].push_back(in == ir::kNoValue ? nullptr : &tensors_[in]);
    for (int32_t out : step.out) dst_[s].push_back(&tensors_[out]);
    steps_.push_back(PlannedStep{
        step.fn,
        kernels::KernelCall{step.attrs, src_[s], dst_[s], pool,
                            step.packed ? &sequences_ : nullptr},
        step.node});
  }
}

void Plan::bind_arena(std::byte* arena) {
  if (arena == bound_arena_) return;
  for (size_t v = 0; v < tensors_.size(); ++v) {
    if (arena_offset_[v] == kNotInArena) continue;
    Tensor& t = tensors_[v];
    t = Tensor::view(t.dtype(), t.shape(), arena + arena_offset_[v]);
  }
  bound_arena_ = arena;
}

void Plan::bind_inputs(const std::vector<Tensor>& inputs) {
  const ir::Graph& graph = *program_.graph;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    Tensor& t = tensors_[static_cast<size_t>(graph.inputs[i])];
    if (t.raw() != inputs[i].raw()) {
      t = Tensor::view(t.dtype(), t.shape(), const_cast<void*>(inputs[i].raw()));
    }
  }
}

void Plan::bind_sequences(std::span<const int64_t> lengths) {
  offsets_.assign(1, 0);
  int64_t max_len = 0;
  for (int64_t len : lengths) {
    offsets_.push_back(offsets_.back() + len);
    max_len = std::max(max_len, len);
  }
  if (offsets_.back() != packed_tokens_) {
    throw Error("internal error: a plan packed for " + std::to_string(packed_tokens_) +
                " tokens bound to " + std::to_string(offsets_.back()));
  }
  sequences_ = {static_cast<int64_t>(lengths.size()), offsets_.data(), max_len};
}

const Tensor& Plan::output(ir::ValueId id) const {
  const ir::Graph& graph = *program_.graph;
  for (size_t o = 0; o < graph.outputs.size(); ++o) {
    if (graph.outputs[o] == id) return tensors_[static_cast<size_t>(output_slot_[o])];
  }
  throw Error("internal error: value " + std::to_string(id) + " is not a graph output");
}

bool Plan::packed_node(size_t n) const { return packed() && program_.packing.node_in_region[n]; }

}  // namespace bertc::runtime
