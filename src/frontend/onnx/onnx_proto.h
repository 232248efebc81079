// The protobuf-level pieces of the ONNX frontend, for code that already holds ONNX messages
// (tests, the conformance runner). Includes <onnx/onnx_pb.h>; most users want onnx_importer.h.
#pragma once

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

#include "bertc/tensor.h"
#include "ir/graph.h"

namespace bertc::frontend::onnx {

// The bertc dtype for an ONNX TensorProto::DataType code, or nullopt when bertc has none.
std::optional<DType> dtype_from_onnx(int32_t onnx_dtype);
// "float32", "float16", "string", ... for any ONNX TensorProto::DataType code.
std::string onnx_dtype_name(int32_t onnx_dtype);

// Converts a TensorProto (raw_data, typed fields or external data) into a Tensor owning its
// elements. External data paths are relative to `base_dir` and may not leave it. Errors name
// the tensor.
Tensor tensor_from_onnx(const ::onnx::TensorProto& proto, const std::string& base_dir);

// Parses an .onnx file (files up to 2 GB). Errors name the file.
::onnx::ModelProto read_onnx_model(const std::string& path);

// Imports a parsed model. `base_dir` resolves external data; `origin` (usually the path) starts
// every error message. The model's tensor payloads are released as they are converted.
ir::Graph import_onnx_model(::onnx::ModelProto& model, const std::string& base_dir,
                            const std::string& origin);

}  // namespace bertc::frontend::onnx
