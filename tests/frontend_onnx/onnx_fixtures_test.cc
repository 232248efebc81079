// Imports every exported fixture (tests/fixtures/*_opset*/model.onnx) and checks its inputs,
// outputs and the symbolic dims that shape inference carries to the outputs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/onnx/onnx_importer.h"
#include "frontend/onnx/onnx_proto.h"

namespace bertc {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> fixture_dirs() {
  std::vector<std::string> dirs;
  fs::path root = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    std::string name = entry.path().filename().string();
    if (name.find("_opset") != std::string::npos && fs::exists(entry.path() / "model.onnx")) {
      dirs.push_back(name);
    }
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

TEST(OnnxFixtures, Present) {
  if (fixture_dirs().empty()) GTEST_SKIP() << "no tests/fixtures/*_opset*/model.onnx yet";
}

class OnnxFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxFixture, ImportsWithSymbolicDims) {
  fs::path dir = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / GetParam();
  std::string model_path = (dir / "model.onnx").string();
  ir::Graph g = frontend::onnx::import_onnx(model_path);
  onnx::ModelProto proto = frontend::onnx::read_onnx_model(model_path);

  // Inputs: named as the exporter named them, int64, dims [batch, seq].
  std::vector<std::string> expected_inputs, expected_outputs;
  std::ifstream meta_file(dir / "meta.json");
  if (meta_file) {
    nlohmann::json meta = nlohmann::json::parse(meta_file);
    expected_inputs = meta.at("inputs").get<std::vector<std::string>>();
    expected_outputs = meta.at("outputs").get<std::vector<std::string>>();
  } else {
    for (const auto& vi : proto.graph().input()) expected_inputs.push_back(vi.name());
    for (const auto& vi : proto.graph().output()) expected_outputs.push_back(vi.name());
  }
  ASSERT_EQ(g.inputs.size(), expected_inputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs[i]);
    EXPECT_EQ(v.name, expected_inputs[i]);
    EXPECT_EQ(v.type.dtype, DType::kI64) << v.name;
    EXPECT_EQ(ir::shape_str(v.type.shape), "[batch, seq]") << v.name;
  }

  // Outputs: named as exported, with the shape the exporter declared (symbolic dims included).
  ASSERT_EQ(g.outputs.size(), expected_outputs.size());
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const ir::Value& v = g.value(g.outputs[i]);
    EXPECT_EQ(v.name, expected_outputs[i]);
    EXPECT_EQ(v.type.dtype, DType::kF32) << v.name;
    const auto& declared = proto.graph().output(static_cast<int>(i)).type().tensor_type().shape();
    ir::Shape want;
    for (const auto& d : declared.dim()) {
      want.push_back(d.has_dim_value() ? ir::Dim::known(d.dim_value())
                                       : ir::Dim::sym(d.dim_param()));
    }
    EXPECT_EQ(ir::shape_str(v.type.shape), ir::shape_str(want)) << v.name;
  }

  // The weights are constants, none of them a graph input.
  size_t constants = 0;
  for (const ir::Value& v : g.values) constants += v.is_constant();
  EXPECT_GE(constants, static_cast<size_t>(proto.graph().initializer_size()));
  for (const ir::Node& n : g.nodes) EXPECT_NE(n.op, ir::Op::Constant) << n.name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, OnnxFixture, ::testing::ValuesIn(fixture_dirs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxFixture);

}  // namespace
}  // namespace bertc
