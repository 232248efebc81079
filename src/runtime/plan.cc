#include "runtime/plan.h"

#include <limits>

#include "bertc/error.h"
#include "ir/shape_infer.h"
#include "kernels/ref/ref_kernels.h"
#include "runtime/memory_planner.h"

namespace bertc::runtime {
namespace {

constexpr size_t kNotInArena = std::numeric_limits<size_t>::max();

std::vector<ir::TypeInfo> infer_node(const ir::Node& node, const std::vector<ir::TypeInfo>& types,
                                     const std::vector<const Tensor*>& known) {
  std::vector<const ir::TypeInfo*> in(node.inputs.size(), nullptr);
  std::vector<const Tensor*> values(node.inputs.size(), nullptr);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i] == ir::kNoValue) continue;
    in[i] = &types[node.inputs[i]];
    values[i] = known[node.inputs[i]];
  }
  ir::ShapeContext ctx{node, in, values};
  uint32_t ports = ir::op_value_ports(node.op);
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if ((ports >> i & 1) && node.inputs[i] != ir::kNoValue && !values[i]) {
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

}  // namespace

Plan::Plan(const Program& program, const std::vector<Tensor>& inputs, cpu::ThreadPool* pool) : graph_(*program.graph) {
  const ir::Graph& graph = graph_;
  size_t n_values = graph.values.size();
  tensors_.resize(n_values);
  arena_offset_.assign(n_values, kNotInArena);
  std::vector<ir::TypeInfo> types(n_values);
  std::vector<const Tensor*> known(n_values, nullptr);  // values fixed for this plan

  for (size_t i = 0; i < n_values; ++i) {
    const ir::Value& v = graph.values[i];
    if (!v.is_constant()) continue;
    types[i] = v.type;
    tensors_[i] = *v.data;
    known[i] = &tensors_[i];
  }
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    ir::ValueId id = graph.inputs[i];
    const Tensor& t = inputs[i];
    types[id] = ir::TypeInfo{t.dtype(), ir::shape_of(t.shape())};
    tensors_[id] = Tensor::view(t.dtype(), t.shape(), const_cast<void*>(t.raw()));
    if (program.input_keys_values[i]) known[id] = &tensors_[id];
  }

  // Shapes of everything; evaluate now what depends only on constants, shapes and key inputs.
  std::vector<int32_t> step_nodes;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    std::vector<ir::TypeInfo> out = infer_node(node, types, known);
    for (size_t i = 0; i < node.outputs.size(); ++i) types[node.outputs[i]] = out[i];
    // Shape and Size read only their input's shape, which is always known here.
    bool reads_shape_only = node.op == ir::Op::Shape || node.op == ir::Op::Size;
    bool all_known = true;
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && !known[in]) all_known = false;
    }
    if (!all_known && !reads_shape_only) {
      step_nodes.push_back(static_cast<int32_t>(n));
      continue;
    }
    std::vector<Tensor> shape_only;  // data-less views for Shape/Size
    shape_only.reserve(node.inputs.size());
    std::vector<const Tensor*> src;
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) {
        src.push_back(nullptr);
      } else if (known[in]) {
        src.push_back(known[in]);
      } else {
        shape_only.push_back(Tensor::view(types[in].dtype, ir::shape_values(types[in].shape), nullptr));
        src.push_back(&shape_only.back());
      }
    }
    std::vector<Tensor> results = kernels::ref::evaluate(node, src, out);
    for (size_t i = 0; i < node.outputs.size(); ++i) tensors_[node.outputs[i]] = std::move(results[i]);
    for (ir::ValueId out_id : node.outputs) known[out_id] = &tensors_[out_id];
  }

  // Lifetimes of the values the steps produce, with in-place reuse where allowed.
  int32_t n_steps = static_cast<int32_t>(step_nodes.size());
  std::vector<int32_t> buffer_of(n_values, -1);
  std::vector<BufferRequest> requests;
  std::vector<bool> is_graph_output(n_values, false);
  for (ir::ValueId id : graph.outputs) is_graph_output[id] = true;
  std::vector<int32_t> last_use(n_values, -1);
  for (int32_t s = 0; s < n_steps; ++s) {
    for (ir::ValueId in : graph.nodes[step_nodes[s]].inputs) {
      if (in != ir::kNoValue) last_use[in] = s;
    }
  }
  for (int32_t s = 0; s < n_steps; ++s) {
    const ir::Node& node = graph.nodes[step_nodes[s]];
    const StepKernel& kernel = program.kernels[step_nodes[s]];
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      ir::ValueId out = node.outputs[i];
      size_t bytes = static_cast<size_t>(dims_numel(ir::shape_values(types[out].shape))) *
                     dtype_size(types[out].dtype);
      int32_t end = is_graph_output[out] ? n_steps : std::max(last_use[out], s);
      if (i == 0 && kernel.inplace_ok && node.has_input(0)) {
        ir::ValueId in = node.inputs[0];
        int32_t buf = buffer_of[in];
        size_t in_bytes = buf >= 0 ? requests[buf].bytes : 0;
        if (buf >= 0 && last_use[in] == s && !is_graph_output[in] && in_bytes == bytes &&
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
  ArenaLayout layout = plan_arena(requests);
  arena_bytes_ = layout.total_bytes;
  for (size_t v = 0; v < n_values; ++v) {
    if (buffer_of[v] < 0) continue;
    arena_offset_[v] = layout.offsets[buffer_of[v]];
    tensors_[v] = Tensor::view(types[v].dtype, ir::shape_values(types[v].shape), nullptr);
  }

  src_.resize(n_steps);
  dst_.resize(n_steps);
  for (int32_t s = 0; s < n_steps; ++s) {
    const ir::Node& node = graph.nodes[step_nodes[s]];
    for (ir::ValueId in : node.inputs) {
      src_[s].push_back(in == ir::kNoValue ? nullptr : &tensors_[in]);
    }
    for (ir::ValueId out : node.outputs) dst_[s].push_back(&tensors_[out]);
    const StepKernel& kernel = program.kernels[step_nodes[s]];
    steps_.push_back(PlannedStep{kernel.fn,
                                 kernels::KernelCall{&node, src_[s], dst_[s], kernel.state, pool},
                                 step_nodes[s]});
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

}  // namespace bertc::runtime

namespace bertc::runtime {

void Plan::bind_inputs(const std::vector<Tensor>& inputs) {
  for (size_t i = 0; i < graph_.inputs.size(); ++i) {
    Tensor& t = tensors_[graph_.inputs[i]];
    if (t.raw() != inputs[i].raw()) {
      t = Tensor::view(t.dtype(), t.shape(), const_cast<void*>(inputs[i].raw()));
    }
  }
}

}  // namespace bertc::runtime
