#include "ir/graph.h"

#include <unordered_map>
#include <unordered_set>

#include "bertc/error.h"

namespace bertc::ir {

Shape shape_of(const Dims& dims) {
  Shape s;
  for (int64_t d : dims) s.push_back(Dim::known(d));
  return s;
}

bool shape_is_known(const Shape& shape) {
  for (const Dim& d : shape) {
    if (!d.is_known()) return false;
  }
  return true;
}

Dims shape_values(const Shape& shape) {
  Dims dims;
  for (const Dim& d : shape) {
    if (!d.is_known()) throw Error("shape " + shape_str(shape) + " is not fully known");
    dims.push_back(d.value);
  }
  return dims;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += shape[i].str();
  }
  return s + "]";
}

ValueId Graph::add_value(std::string value_name, TypeInfo type) {
  values.push_back(Value{std::move(value_name), std::move(type), -1, nullptr});
  return static_cast<ValueId>(values.size() - 1);
}

ValueId Graph::add_constant(std::string value_name, Tensor data) {
  TypeInfo type{data.dtype(), shape_of(data.shape())};
  ValueId id = add_value(std::move(value_name), std::move(type));
  values.back().data = std::make_shared<const Tensor>(std::move(data));
  return id;
}

ValueId Graph::add_input(std::string value_name, TypeInfo type) {
  ValueId id = add_value(std::move(value_name), std::move(type));
  inputs.push_back(id);
  return id;
}

Node& Graph::add_node(Op op, std::string node_name, std::vector<ValueId> node_inputs,
                      std::vector<ValueId> node_outputs, Attrs attrs) {
  for (ValueId out : node_outputs) value(out).producer = static_cast<int32_t>(nodes.size());
  nodes.push_back(Node{op, std::move(node_name), std::move(node_inputs), std::move(node_outputs),
                       std::move(attrs)});
  return nodes.back();
}

ValueId Graph::find_value(const std::string& value_name) const {
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].name == value_name) return static_cast<ValueId>(i);
  }
  return kNoValue;
}

void Graph::sort_topologically() {
  std::vector<bool> ready(values.size(), false);
  for (ValueId id : inputs) ready[id] = true;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].is_constant()) ready[i] = true;
  }
  std::vector<Node> sorted;
  std::vector<bool> placed(nodes.size(), false);
  sorted.reserve(nodes.size());
  bool progress = true;
  while (sorted.size() < nodes.size() && progress) {
    progress = false;
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (placed[n]) continue;
      bool ok = true;
      for (ValueId in : nodes[n].inputs) {
        if (in != kNoValue && !ready[in]) ok = false;
      }
      if (!ok) continue;
      for (ValueId out : nodes[n].outputs) ready[out] = true;
      placed[n] = true;
      sorted.push_back(std::move(nodes[n]));
      progress = true;
    }
  }
  if (sorted.size() < nodes.size()) {
    for (size_t n = 0; n < nodes.size(); ++n) {
      if (placed[n]) continue;
      for (ValueId in : nodes[n].inputs) {
        if (in != kNoValue && !ready[in]) {
          throw Error("node '" + nodes[n].name + "' (" + std::string(op_name(nodes[n].op)) +
                      ") reads '" + values[in].name +
                      "', which is never produced (or the graph has a cycle)");
        }
      }
    }
  }
  nodes = std::move(sorted);
  for (Value& v : values) v.producer = -1;
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId out : nodes[n].outputs) values[out].producer = static_cast<int32_t>(n);
  }
}

void Graph::remove_dead() {
  std::vector<bool> live_value(values.size(), false);
  for (ValueId id : outputs) live_value[id] = true;
  std::vector<bool> live_node(nodes.size(), false);
  for (size_t n = nodes.size(); n-- > 0;) {
    for (ValueId out : nodes[n].outputs) {
      if (live_value[out]) live_node[n] = true;
    }
    if (!live_node[n]) continue;
    for (ValueId in : nodes[n].inputs) {
      if (in != kNoValue) live_value[in] = true;
    }
  }
  for (ValueId id : inputs) live_value[id] = true;
  for (size_t n = 0; n < nodes.size(); ++n) {  // keep every output of a live node
    if (!live_node[n]) continue;
    for (ValueId out : nodes[n].outputs) live_value[out] = true;
  }
  std::vector<ValueId> remap(values.size(), kNoValue);
  std::vector<Value> kept;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!live_value[i]) continue;
    remap[i] = static_cast<ValueId>(kept.size());
    kept.push_back(std::move(values[i]));
  }
  std::vector<Node> kept_nodes;
  for (size_t n = 0; n < nodes.size(); ++n) {
    if (!live_node[n]) continue;
    Node node = std::move(nodes[n]);
    for (ValueId& in : node.inputs) {
      if (in != kNoValue) in = remap[in];
    }
    for (ValueId& out : node.outputs) out = remap[out];
    kept_nodes.push_back(std::move(node));
  }
  for (ValueId& id : inputs) id = remap[id];
  for (ValueId& id : outputs) id = remap[id];
  for (InputCheck& check : input_checks) check.input = remap[check.input];
  values = std::move(kept);
  nodes = std::move(kept_nodes);
  for (Value& v : values) v.producer = -1;
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId out : nodes[n].outputs) values[out].producer = static_cast<int32_t>(n);
  }
}

std::vector<std::vector<int32_t>> Graph::consumers() const {
  std::vector<std::vector<int32_t>> users(values.size());
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (ValueId in : nodes[n].inputs) {
      if (in != kNoValue &&
          (users[in].empty() || users[in].back() != static_cast<int32_t>(n))) {
        users[in].push_back(static_cast<int32_t>(n));
      }
    }
  }
  return users;
}

std::string Graph::unique_name(const std::string& base) {
  std::unordered_set<std::string> names;
  for (const Value& v : values) names.insert(v.name);
  std::string candidate = base;
  while (names.count(candidate)) candidate = base + "_" + std::to_string(++name_counter_);
  return candidate;
}

}  // namespace bertc::ir
