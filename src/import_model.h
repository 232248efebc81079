// The frontend for a model path: an .onnx file (ONNX importer) or a Hugging Face model folder
// (HF importer, with its pipeline metadata). Errors name the path.
#pragma once

#include <map>
#include <string>

#include "ir/graph.h"

namespace bertc {

struct ImportedModel {
  ir::Graph graph;
  std::map<std::string, std::string> metadata;  // Model::metadata (empty for ONNX)
};

ImportedModel import_model(const std::string& path);

}  // namespace bertc
