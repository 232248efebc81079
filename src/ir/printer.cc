#include "ir/printer.h"

#include <sstream>

namespace bertc::ir {
namespace {

std::string type_str(const TypeInfo& t) {
  return std::string(t.dtype == DType{} ? "?" : dtype_name(t.dtype)) + shape_str(t.shape);
}

std::string attr_str(const Attr& attr) {
  std::ostringstream os;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Tensor>) {
          os << "tensor<" << dtype_name(v.dtype()) << dims_str(v.shape()) << ">";
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<float>>) {
          os << "[";
          for (size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
          os << "]";
        } else {
          os << v;
        }
      },
      attr);
  return os.str();
}

}  // namespace

std::string graph_to_string(const Graph& graph) {
  std::ostringstream os;
  os << "graph " << graph.name << "(";
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const Value& v = graph.value(graph.inputs[i]);
    os << (i ? ", " : "") << "%" << v.name << ": " << type_str(v.type);
  }
  os << ") {\n";
  for (const Node& node : graph.nodes) {
    os << "  ";
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const Value& v = graph.value(node.outputs[i]);
      os << (i ? ", " : "") << "%" << v.name << ": " << type_str(v.type);
    }
    os << " = " << op_name(node.op) << "(";
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      os << (i ? ", " : "");
      if (node.inputs[i] == kNoValue) {
        os << "_";
        continue;
      }
      const Value& v = graph.value(node.inputs[i]);
      os << (v.is_constant() ? "$" : "%") << v.name;
    }
    os << ")";
    if (!node.attrs.all().empty()) {
      os << " {";
      bool first = true;
      for (const auto& [name, attr] : node.attrs.all()) {
        os << (first ? "" : ", ") << name << "=" << attr_str(attr);
        first = false;
      }
      os << "}";
    }
    os << "\n";
  }
  os << "  return ";
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    os << (i ? ", " : "") << "%" << graph.value(graph.outputs[i]).name;
  }
  os << "\n}\n";
  return os.str();
}

std::map<std::string, int> op_histogram(const Graph& graph) {
  std::map<std::string, int> counts;
  for (const Node& node : graph.nodes) counts[std::string(op_name(node.op))]++;
  return counts;
}

size_t constant_bytes(const Graph& graph) {
  size_t bytes = 0;
  for (const Value& v : graph.values) {
    if (v.is_constant()) bytes += v.data->nbytes();
  }
  return bytes;
}

}  // namespace bertc::ir
