// Derives Graph::input_checks from the model's structure:
//  - an integer input that reaches the indices of a Gather on a constant table (through casts
//    and reshapes) must hold valid row numbers of that table: token ids, token type ids;
//  - a sequence must not be longer than a position table (a constant named like Hugging Face's
//    "position_embeddings" whose Gather indices do not come from the input's values);
//  - an input named "attention_mask" (Hugging Face's convention) must hold only 0 and 1.
#include <algorithm>

#include "ir/dataflow.h"
#include "ir/op_attrs.h"
#include "passes/passes.h"

namespace bertc::passes {
namespace {

bool passes_values_through(ir::Op op) {
  switch (op) {
    case ir::Op::Cast: case ir::Op::Identity: case ir::Op::Unsqueeze: case ir::Op::Squeeze:
    case ir::Op::Reshape: case ir::Op::Flatten: return true;
    default: return false;
  }
}

void add_index_checks(ir::Graph& g, ir::ValueId input) {
  std::vector<ir::ValueId> frontier = {input};
  for (size_t i = 0; i < frontier.size(); ++i) {
    for (const ir::Node& node : g.nodes) {
      if (!node.has_input(0) && !node.has_input(1)) continue;
      if (passes_values_through(node.op) && node.inputs[0] == frontier[i]) {
        frontier.push_back(node.outputs[0]);
      }
      if (node.op == ir::Op::Gather && node.has_input(1) && node.inputs[1] == frontier[i] &&
          g.value(node.inputs[0]).is_constant() && ir::AxisAttrs(node).axis == 0) {
        const ir::Value& table = g.value(node.inputs[0]);
        int64_t rows = table.data->dim(0);
        g.input_checks.push_back({input, ir::InputCheck::Kind::kIndexRange, 0, rows, 0,
                                  "table '" + table.name + "' (" + std::to_string(rows) + " rows)"});
      }
    }
  }
}

}  // namespace

void derive_input_checks(ir::Graph& g) {
  g.input_checks.clear();
  for (ir::ValueId input : g.inputs) {
    const ir::Value& v = g.value(input);
    bool integer = v.type.dtype == DType::kI64 || v.type.dtype == DType::kI32;
    if (!integer) continue;
    if (v.name == "attention_mask") {
      g.input_checks.push_back({input, ir::InputCheck::Kind::kBinary, 0, 2, 0, "an attention mask"});
      continue;
    }
    add_index_checks(g, input);
  }
  // Position tables bound the sequence axis (1) of every rank-2 integer input.
  for (const ir::Node& node : g.nodes) {
    if (node.op != ir::Op::Gather || !g.value(node.inputs[0]).is_constant()) continue;
    const ir::Value& table = g.value(node.inputs[0]);
    if (table.name.find("position_embeddings") == std::string::npos) continue;
    bool indexed_by_values = false;
    for (ir::ValueId input : g.inputs) {
      std::vector<bool> from(g.values.size(), false);
      from[input] = true;
      indexed_by_values = indexed_by_values || ir::computed_from(g, std::move(from))[node.inputs[1]];
    }
    if (indexed_by_values) continue;  // e.g. RoBERTa: the Gather's own index check applies
    for (ir::ValueId input : g.inputs) {
      const ir::Value& v = g.value(input);
      if (v.type.shape.size() != 2 || v.type.dtype == DType::kF32) continue;
      g.input_checks.push_back({input, ir::InputCheck::Kind::kMaxDim, 0, table.data->dim(0), 1,
                                "position table '" + table.name + "'"});
    }
  }
}

}  // namespace bertc::passes
