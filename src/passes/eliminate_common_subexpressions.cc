// eliminate_common_subexpressions: merges small constants with equal contents, then nodes that
// compute the same op with the same attributes on the same inputs (exporters repeat per layer
// the mask computation Equal(attention_mask, 0), the Shape of one value, the scalar constants
// 0, 1, 2.0 ...). Graph outputs are never merged away.
#include <map>
#include <string>

#include "passes/passes.h"

namespace bertc::passes {
namespace {

constexpr int64_t kMaxConstantElems = 4096;  // larger constants (weights) are left alone

std::string tensor_key(const Tensor& t) {
  std::string key = std::to_string(static_cast<int>(t.dtype())) + dims_str(t.shape());
  key.append(static_cast<const char*>(t.raw()), t.nbytes());
  return key;
}

std::string attrs_key(const ir::Attrs& attrs) {
  std::string key;
  for (const auto& [name, attr] : attrs.all()) {
    key += name + "=" + std::to_string(attr.index()) + ":";
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Tensor>) {
            key += tensor_key(v);
          } else if constexpr (std::is_same_v<T, std::string>) {
            key += std::to_string(v.size()) + ":" + v;
          } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, float>) {
            key.append(reinterpret_cast<const char*>(&v), sizeof(v));
          } else {
            key += std::to_string(v.size()) + ":";
            key.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
          }
        },
        attr);
    key += ";";
  }
  return key;
}

}  // namespace

void eliminate_common_subexpressions(ir::Graph& g) {
  std::vector<bool> is_output(g.values.size(), false);
  for (ir::ValueId id : g.outputs) is_output[id] = true;
  std::vector<ir::ValueId> remap(g.values.size());
  for (size_t i = 0; i < remap.size(); ++i) remap[i] = static_cast<ir::ValueId>(i);

  std::map<std::string, ir::ValueId> constants;
  for (size_t i = 0; i < g.values.size(); ++i) {
    const ir::Value& v = g.values[i];
    if (!v.is_constant() || is_output[i] || v.data->numel() > kMaxConstantElems) continue;
    auto [it, fresh] = constants.emplace(tensor_key(*v.data), static_cast<ir::ValueId>(i));
    if (!fresh) remap[i] = it->second;
  }

  std::map<std::string, size_t> seen;  // key → index in `kept`
  std::vector<ir::Node> kept;
  for (ir::Node& node : g.nodes) {
    for (ir::ValueId& in : node.inputs) {
      if (in != ir::kNoValue) in = remap[in];
    }
    std::string key = std::to_string(static_cast<int>(node.op)) + "|" + attrs_key(node.attrs) + "|";
    for (ir::ValueId in : node.inputs) key += std::to_string(in) + ",";
    key += "|" + std::to_string(node.outputs.size());
    bool any_output = false;
    for (ir::ValueId out : node.outputs) any_output = any_output || is_output[out];
    auto it = seen.find(key);
    if (it != seen.end() && !any_output) {
      const ir::Node& first = kept[it->second];
      for (size_t i = 0; i < node.outputs.size(); ++i) remap[node.outputs[i]] = first.outputs[i];
      continue;
    }
    if (it == seen.end()) seen.emplace(std::move(key), kept.size());
    kept.push_back(std::move(node));
  }
  g.nodes = std::move(kept);
  g.remove_dead();
}

}  // namespace bertc::passes
