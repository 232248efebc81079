// dequantize_gathered_tables: an int8 / uint8 constant table read by a Gather whose rows are then
// dequantized with one scale and zero point (ONNX Runtime's quantize_dynamic writes embedding
// tables so),
//
//   DequantizeLinear(Gather(Tq, ids), scale, zero_point)  ->  Gather(DequantizeLinear(Tq, ...), ids)
//
// The two orders compute the same values exactly (a per-tensor dequantization is elementwise), and
// in the second the DequantizeLinear of a constant folds into an fp32 table, so the embedding sums
// and their LayerNorm fuse as in an fp32 model. Per-axis scales are left alone.
#include "passes/passes.h"
#include "passes/pattern.h"

namespace bertc::passes {
namespace {

bool scalar_or_absent(const ir::Graph& g, const ir::Node& node, size_t i) {
  if (!node.has_input(i)) return true;
  const Tensor* t = constant(g, node.inputs[i]);
  return t && t->numel() == 1;
}

bool rewrite_one(ir::Graph& g, const GraphIndex& index, int32_t n) {
  const ir::Node& dq = g.nodes[n];
  if (dq.op != ir::Op::DequantizeLinear || !dq.has_input(1) || !scalar_or_absent(g, dq, 1) ||
      !scalar_or_absent(g, dq, 2)) {
    return false;
  }
  const ir::Node* gather = index.producer_if(dq.inputs[0], ir::Op::Gather);
  if (!gather || !index.single_use(dq.inputs[0])) return false;
  const Tensor* table = constant(g, gather->inputs[0]);
  if (!table || (table->dtype() != DType::kI8 && table->dtype() != DType::kU8)) return false;
  std::vector<ir::ValueId> dq_inputs = dq.inputs;
  dq_inputs[0] = gather->inputs[0];
  const ir::ValueId ids = gather->inputs[1], y = dq.outputs[0];
  const ir::ValueId table_f32 = new_value(g, g.value(gather->inputs[0]).name + "_dequantized");
  const ir::Attrs gather_attrs = gather->attrs;
  const std::string dq_name = dq.name, gather_name = gather->name;
  const std::vector<int32_t> group{index.index_of(gather), n};
  apply_rewrite(g, group,
                {make_node(ir::Op::DequantizeLinear, dq_name, dq_inputs, {table_f32}),
                 make_node(ir::Op::Gather, gather_name, {table_f32, ids}, {y}, gather_attrs)});
  return true;
}

}  // namespace

void dequantize_gathered_tables(ir::Graph& g) {
  rewrite_all(g, [&](const GraphIndex& index, int32_t n) { return rewrite_one(g, index, n); });
}

}  // namespace bertc::passes
