// The frontend for a model path: an .onnx file (ONNX importer) or a Hugging Face model folder
// (HF importer, with what the folder says about the model). Errors name the path.
#pragma once

#include <string>

#include "bertc/compile.h"
#include "ir/graph.h"

namespace bertc {

struct ImportedModel {
  ir::Graph graph;
  ModelInfo info;  // Model::info (empty for ONNX)
};

ImportedModel import_model(const std::string& path);

}  // namespace bertc
