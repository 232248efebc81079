#include "bertc/compile.h"
#include "ir/graph.h"

namespace bertc {

Model::Model() : graph_(std::make_unique<ir::Graph>()) {}
Model::Model(ir::Graph graph, CompileOptions options)
    : graph_(std::make_unique<ir::Graph>(std::move(graph))), options_(std::move(options)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

}  // namespace bertc
