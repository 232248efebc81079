#include "ir/verifier.h"

#include "bertc/error.h"
#include "ir/shape_infer.h"

namespace bertc::ir {

void verify(const Graph& graph, const std::string& where) {
  auto fail = [&](const std::string& what) { throw Error(where + ": invalid graph: " + what); };
  size_t n_values = graph.values.size();
  auto in_range = [&](ValueId id) { return id >= 0 && static_cast<size_t>(id) < n_values; };
  std::vector<bool> defined(n_values, false);
  for (ValueId id : graph.inputs) {
    if (!in_range(id)) fail("graph input id " + std::to_string(id) + " out of range");
    if (graph.value(id).is_constant()) fail("graph input '" + graph.value(id).name + "' is a constant");
    defined[id] = true;
  }
  for (size_t v = 0; v < n_values; ++v) {
    if (graph.values[v].is_constant()) defined[v] = true;
  }
  for (const Node& node : graph.nodes) {
    std::string what = "node '" + node.name + "' (" + std::string(op_name(node.op)) + ")";
    if (!shape_fn(node.op)) fail(what + " has no shape function");
    for (ValueId in : node.inputs) {
      if (in == kNoValue) continue;
      if (!in_range(in)) fail(what + " reads value id " + std::to_string(in) + ", out of range");
      if (!defined[in]) fail(what + " reads '" + graph.value(in).name + "' before it is defined");
    }
    for (ValueId out : node.outputs) {
      if (!in_range(out)) fail(what + " writes value id " + std::to_string(out) + ", out of range");
      if (defined[out]) fail(what + " writes '" + graph.value(out).name + "', which is already defined");
      defined[out] = true;
    }
  }
  for (ValueId id : graph.outputs) {
    if (!in_range(id) || !defined[id]) fail("graph output id " + std::to_string(id) + " is never defined");
  }
  for (const InputCheck& check : graph.input_checks) {
    bool is_input = false;
    for (ValueId id : graph.inputs) is_input = is_input || id == check.input;
    if (!is_input) fail("an input check refers to value " + std::to_string(check.input) + ", not a graph input");
  }
}

}  // namespace bertc::ir
