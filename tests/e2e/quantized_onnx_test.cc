// ONNX models in ONNX Runtime's int8 forms (tests/fixtures/quantized/, made by
// tools/make_quantized_fixtures.py with ONNX Runtime's outputs, beside the fp32 source fixture's
// PyTorch outputs). At -O1 the imported graph runs the int8 ops exactly as ONNX defines them; at
// -O3 every quantized MatMul is a bertc.DenseInt8 (per-token activations, weights requantized
// within ±64 per column).
//
// quantize_dynamic form (DynamicQuantizeLinear, MatMulInteger; uint8 embedding tables read by
// Gather -> DequantizeLinear): ONNX Runtime's own int8 arithmetic is not exact (its AVX2 kernel
// adds uint8 × int8 pairs in int16, which full-range weights can overflow, with or without graph
// optimizations), and two int8 schemes differ by their rounding, so the checks are at int8
// level, on each output's largest distance to PyTorch's fp32 outputs over both input sets: at
// -O1 bertc is as close as ONNX Runtime is (within 25%); at -O3, where the int8 weights are
// quantized a second time, within twice ONNX Runtime's distance, and within cosine 0.99 of ONNX
// Runtime's outputs per row.
//
// QDQ form (`_qdq`: QuantizeLinear -> DequantizeLinear on the activations, DequantizeLinear on
// the weights): ONNX Runtime without graph optimizations runs those nodes and an fp32 MatMul as
// stated, so -O1 must match it to 1e-3 of the output's largest magnitude; at -O3 (activations
// per token rather than at the static calibrated scale) the int8-level checks above.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

std::vector<std::string> quantized_fixtures() {
  std::vector<std::string> names;
  const auto dir = testing::fixtures_dir() / "quantized";
  if (!std::filesystem::exists(dir)) return names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

// The smallest cosine between rows (last axis) of got and want; rows of a [B, S, H] output at
// padding (mask 0) are skipped.
double min_row_cosine(const Tensor& got, const Tensor& want, const Tensor& mask) {
  const int64_t h = want.shape().back();
  double worst = 1;
  for (int64_t r = 0; r < want.numel() / h; ++r) {
    if (want.rank() == 3 && mask.data<int64_t>()[r] == 0) continue;
    double dot = 0, gg = 0, ww = 0;
    for (int64_t i = 0; i < h; ++i) {
      const double g = got.data<float>()[r * h + i], w = want.data<float>()[r * h + i];
      dot += g * w, gg += g * g, ww += w * w;
    }
    worst = std::min(worst, gg == 0 && ww == 0 ? 1.0 : dot / std::sqrt(gg * ww));
  }
  return worst;
}

class QuantizedOnnxTest : public ::testing::TestWithParam<std::string> {};

// The fp32 fixture `name` was made from: "bert_qdq_per_channel" -> "bert_opset14".
std::string source_fixture(std::string name) {
  for (const std::string suffix : {"_per_channel", "_qdq"}) {
    if (const size_t at = name.find(suffix); at != std::string::npos) name.erase(at, suffix.size());
  }
  return name + "_opset14";
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (int64_t i = 0; i < t.numel(); ++i) m = std::max(m, std::abs(static_cast<double>(t.data<float>()[i])));
  return m;
}

TEST_P(QuantizedOnnxTest, MatchesOnnxRuntime) {
  const std::string& name = GetParam();
  const bool qdq = name.find("_qdq") != std::string::npos;
  const auto dir = testing::fixtures_dir() / "quantized" / name;
  const std::string model = (dir / "model.onnx").string();
  Model fused = compile(model, {});
  EXPECT_GT(fused.op_counts()["bertc.DenseInt8"], 0);
  for (const char* op : {"MatMulInteger", "QuantizeLinear", "DequantizeLinear", "MatMul"}) {
    EXPECT_EQ(fused.op_counts().count(op), 0u) << op;
  }
  // The embedding tables ONNX Runtime's quantize_dynamic made uint8 are fp32 tables again, so the
  // embedding sums and LayerNorm fuse as in the fp32 model.
  if (!qdq) EXPECT_EQ(fused.op_counts()["bertc.EmbedLayerNorm"], 1);
  Session o3(std::move(fused), {.num_threads = 2});
  Session o1(compile(model, {.opt_level = 1}), {.num_threads = 2});
  // Distances to PyTorch's fp32 outputs per output, the largest over both input sets (a
  // classifier's one-row set alone is too few numbers to compare two int8 schemes by).
  std::map<std::string, double> ort_error, error1, error3;
  for (const char* set : {"", "_2"}) {
    const auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    const auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    const auto fp32 = testing::read_npy_dir(testing::fixtures_dir() / source_fixture(name) / (std::string("outputs") + set));
    const std::vector<Tensor> got3 = o3.run(inputs), got1 = o1.run(inputs);
    const std::vector<std::string> names = o3.output_names();
    for (size_t i = 0; i < names.size(); ++i) {
      const Tensor& want = expected.at(names[i]);
      const Tensor& reference = fp32.at(names[i]);
      ort_error[names[i]] = std::max(ort_error[names[i]], testing::max_abs_diff(want, reference, inputs));
      error1[names[i]] = std::max(error1[names[i]], testing::max_abs_diff(got1[i], reference, inputs));
      error3[names[i]] = std::max(error3[names[i]], testing::max_abs_diff(got3[i], reference, inputs));
      if (qdq) {
        EXPECT_LE(testing::max_abs_diff(got1[i], want, inputs), 1e-3 * max_abs(want)) << names[i] << set << " at -O1";
      }
      EXPECT_GE(min_row_cosine(got3[i], want, inputs.at("attention_mask")), 0.99) << names[i] << set << " at -O3";
    }
  }
  for (const auto& [output, ort] : ort_error) {
    if (!qdq) EXPECT_LE(error1[output], 1.25 * ort) << output << " at -O1";
    EXPECT_LE(error3[output], 2.0 * ort) << output << " at -O3";
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizedOnnxTest, ::testing::ValuesIn(quantized_fixtures()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(QuantizedOnnxTest);

}  // namespace
}  // namespace bertc
