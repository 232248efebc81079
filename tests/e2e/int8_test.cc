// End to end, --precision int8: every architecture's fixture (opset 14), int8 against the same
// model in fp32 (and PyTorch's outputs): per-row cosine of every output over its last axis, on
// the real tokens; a classifier's logits (2 or 3 per row, where a cosine says little) by their
// probabilities, as the accuracy gate compares classifiers: max |Δp| <= 0.05. Random weights in tiny models are a soft case for int8 (no outlier
// features); the planted-outlier fixtures are tested with the accuracy gate.
#include <gtest/gtest.h>

#include <cmath>

#include "../common/temp_path.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

using testing::fixtures_dir;

struct Cosines {
  double mean = 0, min = 1;
  int64_t rows = 0;
};

// Cosine of each row (the last axis) of got and want; rows of a [B, S, H] output at padding
// (attention_mask 0) are skipped.
Cosines row_cosines(const Tensor& got, const Tensor& want, const Tensor* mask) {
  Cosines c;
  const int64_t h = want.shape().back();
  const int64_t rows = h == 0 ? 0 : want.numel() / h;
  for (int64_t r = 0; r < rows; ++r) {
    if (mask && want.rank() == 3 && mask->data<int64_t>()[r] == 0) continue;
    double dot = 0, gg = 0, ww = 0;
    for (int64_t i = 0; i < h; ++i) {
      const double g = got.data<float>()[r * h + i], w = want.data<float>()[r * h + i];
      dot += g * w, gg += g * g, ww += w * w;
    }
    const double cos = gg == 0 && ww == 0 ? 1.0 : dot / std::sqrt(gg * ww);
    c.mean += cos, c.min = std::min(c.min, cos), ++c.rows;
  }
  if (c.rows) c.mean /= static_cast<double>(c.rows);
  return c;
}

// The largest |softmax(a) - softmax(b)| over rows (the last axis) of two logits tensors; rows of
// a [B, S, labels] output at padding (mask 0) are skipped.
double max_probability_diff(const Tensor& a, const Tensor& b, const Tensor* mask) {
  const int64_t h = b.shape().back();
  double worst = 0;
  for (int64_t r = 0; h > 0 && r < b.numel() / h; ++r) {
    if (mask && b.rank() == 3 && mask->data<int64_t>()[r] == 0) continue;
    auto softmax = [&](const Tensor& t) {
      std::vector<double> p(static_cast<size_t>(h));
      double top = -INFINITY, sum = 0;
      for (int64_t i = 0; i < h; ++i) top = std::max(top, static_cast<double>(t.data<float>()[r * h + i]));
      for (int64_t i = 0; i < h; ++i) sum += p[i] = std::exp(t.data<float>()[r * h + i] - top);
      for (double& v : p) v /= sum;
      return p;
    };
    const std::vector<double> pa = softmax(a), pb = softmax(b);
    for (int64_t i = 0; i < h; ++i) worst = std::max(worst, std::abs(pa[i] - pb[i]));
  }
  return worst;
}

class Int8FixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(Int8FixtureTest, CloseToFp32AndPyTorch) {
  const std::string& fixture = GetParam();
  const auto dir = fixtures_dir() / fixture;
  const std::string model = (dir / "model.onnx").string();
  const std::string bundle = testing::temp_path(fixture + "_int8.bertc");
  Model int8 = compile(model, {.precision = "int8"});
  ASSERT_GT(int8.op_counts()["bertc.DenseInt8"], 0);
  save(int8, bundle);
  Session s8 = Session::load(bundle, {.num_threads = 2});
  Session s32(compile(model, {}), {.num_threads = 2});
  const std::vector<std::string> names = s8.output_names();
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    const auto mask = inputs.find("attention_mask");
    const Tensor* m = mask == inputs.end() ? nullptr : &mask->second;
    const std::vector<Tensor> out8 = s8.run(inputs);
    const std::vector<Tensor> out32 = s32.run(inputs);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      ASSERT_TRUE(expected.count(name)) << name;
      if (name == "logits") {
        EXPECT_LE(max_probability_diff(out8[i], out32[i], m), 0.05) << set;
        EXPECT_LE(max_probability_diff(out8[i], expected.at(name), m), 0.05) << set;
        continue;
      }
      const Cosines vs32 = row_cosines(out8[i], out32[i], m);
      const Cosines vs_torch = row_cosines(out8[i], expected.at(name), m);
      EXPECT_GE(vs32.mean, 0.995) << name << set;
      EXPECT_GE(vs32.min, 0.98) << name << set;
      EXPECT_GE(vs_torch.min, 0.98) << name << set;
    }
  }
}

TEST(Precision, BadRequestsAreClearErrors) {
  const std::string model = (fixtures_dir() / "bert_opset14" / "model.onnx").string();
  auto error_of = [&](const CompileOptions& o) -> std::string {
    try {
      compile(model, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  // bf16: refused, saying what the CPU lacks (or that bertc has no bf16 kernel), offering fp32.
  const std::string bf16 = error_of({.precision = "bf16"});
  EXPECT_NE(bf16.find("avx512_bf16"), std::string::npos) << bf16;
  EXPECT_NE(bf16.find("--precision fp32"), std::string::npos) << bf16;
  EXPECT_NE(error_of({.precision = "int4"}).find("unknown precision 'int4'"), std::string::npos);
  EXPECT_NE(error_of({.opt_level = 1, .precision = "int8"}).find("needs -O2 or -O3"), std::string::npos);
  EXPECT_NE(error_of({.gemm = "onednn", .precision = "int8"}).find("--gemm bertc"), std::string::npos);
}

std::vector<std::string> int8_fixtures() {
  std::vector<std::string> names;
  for (const std::string& name : testing::onnx_fixture_names()) {
    if (name.ends_with("_opset14")) names.push_back(name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Int8FixtureTest, ::testing::ValuesIn(int8_fixtures()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace bertc
