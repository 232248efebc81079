#include "bertc/compile.h"
#include "ir/graph.h"
#include "ir/printer.h"

namespace bertc {

Model::Model() : graph_(std::make_unique<ir::Graph>()) {}
Model::Model(ir::Graph graph, CompileOptions options)
    : graph_(std::make_unique<ir::Graph>(std::move(graph))), options_(std::move(options)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;
Model::Model(const Model& other)
    : info(other.info), accuracy(other.accuracy), graph_(std::make_unique<ir::Graph>(*other.graph_)),
      options_(other.options_) {}
Model& Model::operator=(const Model& other) {
  if (this != &other) *this = Model(other);
  return *this;
}

std::size_t Model::num_nodes() const { return graph_->nodes.size(); }
std::size_t Model::weight_bytes() const { return ir::constant_bytes(*graph_); }
std::map<std::string, int> Model::op_counts() const { return ir::op_histogram(*graph_); }
std::string Model::listing() const { return ir::graph_to_string(*graph_); }

std::vector<std::pair<std::string, std::string>> Model::dense_layers() const {
  std::vector<std::pair<std::string, std::string>> layers;
  for (const ir::Node& node : graph_->nodes) {
    if (node.op == ir::Op::Dense) layers.emplace_back(node.name, "fp32");
    if (node.op == ir::Op::DenseBf16) layers.emplace_back(node.name, "bf16");
    if (node.op == ir::Op::DenseInt8) {
      layers.emplace_back(node.name, node.attrs.get_int("smoothed", 0) ? "int8 smoothed" : "int8");
    }
  }
  return layers;
}

}  // namespace bertc
