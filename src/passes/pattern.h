// Shared machinery of the rewriting passes: a read-only index of a graph (producers, users,
// graph outputs), small matchers for constants and shapes, and the one way a pass replaces a
// matched group of nodes by new ones (`apply_rewrite`), with the check that makes a fusion
// valid (`can_replace`: nothing outside the group still needs a value the group computes).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_attrs.h"

namespace bertc::passes {

struct GraphIndex {
  explicit GraphIndex(const ir::Graph& graph);

  const ir::Graph& g;
  std::vector<std::vector<int32_t>> users;  // per value: indices of the nodes reading it
  std::vector<bool> is_output;              // per value: a graph output

  // The node producing v, or nullptr (graph input, constant, absent).
  const ir::Node* producer(ir::ValueId v) const;
  // The node producing v when it is an `op` node, else nullptr.
  const ir::Node* producer_if(ir::ValueId v, ir::Op op) const;
  int32_t index_of(const ir::Node* node) const {
    return static_cast<int32_t>(node - g.nodes.data());
  }
  // Exactly one node reads v and v is not a graph output.
  bool single_use(ir::ValueId v) const;
  const ir::TypeInfo& type(ir::ValueId v) const { return g.value(v).type; }
};

// A constant's tensor, or nullptr.
const Tensor* constant(const ir::Graph& g, ir::ValueId v);
// The single element of a constant holding one number (any numeric dtype), as double.
std::optional<double> scalar_constant(const ir::Graph& g, ir::ValueId v);
bool is_scalar_constant(const ir::Graph& g, ir::ValueId v, double want, double rel_tol = 1e-6);
// The elements of a float32 constant, as floats, or nullopt.
std::optional<std::vector<float>> float_constant(const ir::Graph& g, ir::ValueId v);

// A node whose inputs are all constants (or absent), run on the reference kernels: its outputs'
// types and values; nullopt when an input is not a constant.
struct ConstantEvaluation {
  std::vector<ir::TypeInfo> types;
  std::vector<Tensor> values;
};
std::optional<ConstantEvaluation> evaluate_constant_node(const ir::Graph& g, const ir::Node& node);

// A Slice of one axis, the last, with constant parameters and step 1: the range it takes of that
// axis (ONNX clamping, ir::slice_args / slice_range) when the input's last dim is known; else
// nullopt.
std::optional<ir::SliceRange> last_axis_slice(const ir::Graph& g, const ir::Node& slice);

// Two shapes of one rank whose dims are all equal (known and equal, or one named symbol).
bool same_shape(const ir::Shape& a, const ir::Shape& b);

// Of a binary node's two inputs, the one that is not `v` (kNoValue if neither or both are v).
ir::ValueId other_input(const ir::Node& node, ir::ValueId v);

// `names` as a set, each checked to name a bertc.Dense node of g (the layers a lower precision
// keeps in fp32: a typo must not silently keep a model in fp32); throws bertc::Error otherwise.
std::set<std::string> dense_layer_names(const ir::Graph& g, const std::vector<std::string>& names);

// Whether the nodes `group` can be replaced by nodes producing `kept` (values the group computes
// that stay, produced by the new nodes): every other value the group computes must not be a
// graph output and must be read only by the group or by nodes that then become dead (they feed
// only the group, such as a Shape → Expand chain of a mask).
bool can_replace(const GraphIndex& index, const std::vector<int32_t>& group,
                 const std::vector<ir::ValueId>& kept);

// Removes the nodes `group`, inserts `added` where the last of them was (their inputs must be
// defined before that point, which holds for inputs of the group), infers the added nodes'
// output types, and removes what became dead (renumbering values).
void apply_rewrite(ir::Graph& g, std::vector<int32_t> group, std::vector<ir::Node> added);

// A node to add: op, a name made unique from `name`, inputs and outputs, attrs.
ir::Node make_node(ir::Op op, std::string name, std::vector<ir::ValueId> inputs,
                   std::vector<ir::ValueId> outputs, ir::Attrs attrs = {});
// A new value (type filled in by apply_rewrite) named uniquely after `base`.
ir::ValueId new_value(ir::Graph& g, const std::string& base);
ir::ValueId new_constant(ir::Graph& g, const std::string& base, Tensor data);
// `original` itself when its constant already has `data`'s dtype and shape (the passes' vector
// forms of biases and norms: keeps the weights' names and storage), else a new constant named
// after it holding `data`.
ir::ValueId reuse_or_new_constant(ir::Graph& g, ir::ValueId original, Tensor data);

// Runs `match` at every node until it finds nothing more: match(index, node_index) returns true
// when it rewrote the graph (the index is then rebuilt and the scan starts again).
template <typename Match>
int rewrite_all(ir::Graph& g, Match&& match) {
  int count = 0;
  for (bool again = true; again;) {
    again = false;
    GraphIndex index(g);
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      if (match(index, static_cast<int32_t>(n))) {
        ++count;
        again = true;
        break;
      }
    }
  }
  return count;
}

}  // namespace bertc::passes
