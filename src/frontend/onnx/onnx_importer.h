// ONNX import: reads a .onnx file into an ir::Graph.
//
// What is accepted (see onnx_importer.cc for the details):
//  - opsets: the default ONNX domain at opset 1..17, per op from the opset where its ONNX
//    definition matches bertc's (e.g. Add from 7, LessOrEqual from 12, LayerNormalization
//    from 17); BERT-family exports use 11..17. Ops of other domains are unsupported.
//  - files up to 2 GB (protobuf's limit); bigger models must keep their weights as external
//    data (data_location EXTERNAL, files next to the model).
//  - tensors of dtype float32, float64, int8, uint8, int32, int64 and bool.
//
// The imported graph is normalized so that kernels see one form of each op, whatever the opset:
//  - Squeeze / Unsqueeze `axes` and Split `split` attributes (opset < 13) become constant int64
//    input 1; Slice `starts`/`ends`/`axes` attributes (opset < 10) become inputs 1..3.
//  - Softmax at opset < 13 gets `bertc_coerce_2d` = 1 and an explicit `axis` (default 1).
//  - Cast's `to` holds a bertc::DType code (static_cast<int64_t>(DType::kF32), ...).
//  - Constant nodes become constant values; Reduce* `axes` attributes stay attributes.
//  - Omitted optional inputs are ir::kNoValue; unnamed optional outputs get fresh names.
// Graph inputs keep their dims: dim_param → a named symbol, dim_value → a known size, neither →
// unknown. Shapes of all other values come from ir::infer_shapes.
//
// Every failure is a bertc::Error whose message starts with the file's path; unsupported ops are
// all reported in one message ("m.onnx: unsupported ops: Foo (2 nodes), Bar (1 node)").
#pragma once

#include <string>

#include "ir/graph.h"

namespace bertc::frontend::onnx {

// Lowest and highest default-domain opset the importer accepts.
inline constexpr int64_t kOnnxMinOpset = 1;
inline constexpr int64_t kOnnxMaxOpset = 17;

ir::Graph import_onnx(const std::string& path);

}  // namespace bertc::frontend::onnx
