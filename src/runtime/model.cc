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

std::size_t Model::num_nodes() const { return graph_->nodes.size(); }
std::size_t Model::weight_bytes() const { return ir::constant_bytes(*graph_); }
std::map<std::string, int> Model::op_counts() const { return ir::op_histogram(*graph_); }
std::string Model::listing() const { return ir::graph_to_string(*graph_); }

}  // namespace bertc
