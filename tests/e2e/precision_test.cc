// End to end, --precision int8 and bf16: every architecture's fixture (opset 14) against the same
// model in fp32 (and PyTorch's outputs): per-row cosine of every output over its last axis, on
// the real tokens; a classifier's logits (2 or 3 per row, where a cosine says little) by their
// probabilities, as the accuracy gate compares classifiers. Random weights in tiny models are a
// soft case for int8 (no outlier features); the planted-outlier fixtures are tested with the
// accuracy gate. bf16 runs where it is fast (avx512_bf16) and, for these tests, on the
// reference kernels (ctest's e2e_bf16_reference sets BERTC_ISA=ref); elsewhere it is refused,
// at compile time and when a bf16 bundle is loaded.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "../common/temp_path.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "cpu/cpu_features.h"
#include "fixtures.h"
#include "ir/graph.h"
#include "kernels/x86/bgemm.h"
#include "passes/passes.h"

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

bool bf16_runs_here() { return kernels::x86::bf16_runs(cpu::active_isa()); }

// How close each precision must come to fp32 (and PyTorch).
struct Limits {
  double mean, min, probability;
};

Limits limits_of(const std::string& precision) {
  if (precision == "bf16") return {0.9999, 0.999, 0.01};
  return {0.995, 0.98, 0.05};
}

// precision, fixture
using PrecisionParam = std::tuple<std::string, std::string>;

class LowPrecisionFixtureTest : public ::testing::TestWithParam<PrecisionParam> {};

TEST_P(LowPrecisionFixtureTest, CloseToFp32AndPyTorch) {
  const auto& [precision, fixture] = GetParam();
  if (precision == "bf16" && !bf16_runs_here()) {
    GTEST_SKIP() << "this CPU does not run bf16 (no avx512_bf16): ctest's e2e_bf16_reference runs this on the "
                    "reference kernels";
  }
  const Limits limits = limits_of(precision);
  const auto dir = fixtures_dir() / fixture;
  const std::string model = (dir / "model.onnx").string();
  const std::string bundle = testing::temp_path(fixture + "_" + precision + ".bertc");
  Model low = compile(model, {.precision = precision});
  ASSERT_GT(low.op_counts()[precision == "bf16" ? "bertc.DenseBf16" : "bertc.DenseInt8"], 0);
  for (const auto& [layer, p] : low.dense_layers()) EXPECT_TRUE(p.starts_with(precision)) << layer << ": " << p;
  save(low, bundle);
  Session s_low = Session::load(bundle, {.num_threads = 2});
  Session s32(compile(model, {}), {.num_threads = 2});
  const std::vector<std::string> names = s_low.output_names();
  for (const char* set : {"", "_2"}) {
    auto inputs = testing::read_npy_dir(dir / (std::string("inputs") + set));
    auto expected = testing::read_npy_dir(dir / (std::string("outputs") + set));
    const auto mask = inputs.find("attention_mask");
    const Tensor* m = mask == inputs.end() ? nullptr : &mask->second;
    const std::vector<Tensor> out_low = s_low.run(inputs);
    const std::vector<Tensor> out32 = s32.run(inputs);
    for (size_t i = 0; i < names.size(); ++i) {
      const std::string& name = names[i];
      ASSERT_TRUE(expected.count(name)) << name;
      if (name == "logits") {
        EXPECT_LE(max_probability_diff(out_low[i], out32[i], m), limits.probability) << set;
        EXPECT_LE(max_probability_diff(out_low[i], expected.at(name), m), limits.probability) << set;
        continue;
      }
      const Cosines vs32 = row_cosines(out_low[i], out32[i], m);
      const Cosines vs_torch = row_cosines(out_low[i], expected.at(name), m);
      EXPECT_GE(vs32.mean, limits.mean) << name << set;
      EXPECT_GE(vs32.min, limits.min) << name << set;
      EXPECT_GE(vs_torch.min, limits.min) << name << set;
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
  // bf16 where this CPU does not run it: refused, saying what the CPU lacks, offering fp32.
  if (!bf16_runs_here()) {
    const std::string bf16 = error_of({.precision = "bf16"});
    EXPECT_NE(bf16.find("avx512_bf16"), std::string::npos) << bf16;
    EXPECT_NE(bf16.find("--precision fp32"), std::string::npos) << bf16;
  }
  EXPECT_NE(error_of({.precision = "int4"}).find("unknown precision 'int4'"), std::string::npos);
  EXPECT_NE(error_of({.opt_level = 1, .precision = "int8"}).find("needs -O2 or -O3"), std::string::npos);
  EXPECT_NE(error_of({.opt_level = 1, .precision = "bf16"}).find("needs -O2 or -O3"), std::string::npos);
  EXPECT_NE(error_of({.gemm = "onednn", .precision = "int8"}).find("--gemm bertc"), std::string::npos);
}

// A bf16 model (made here by the pass, as compile would where bf16 runs) loaded where bf16 does
// not run: the session refuses it, naming the layer and what the CPU lacks, rather than running
// it slowly on the reference kernels; where bf16 runs, it runs.
TEST(Bf16Precision, ASessionRefusesBf16WhereItWouldBeSlow) {
  const std::string model = (fixtures_dir() / "bert_opset14" / "model.onnx").string();
  Model o2 = compile(model, {.opt_level = 2});
  ir::Graph graph = o2.graph();
  passes::convert_dense_bf16(graph, {});
  Model bf16(std::move(graph), {.opt_level = 2, .precision = "bf16"});
  if (bf16_runs_here()) {
    EXPECT_NO_THROW(Session(bf16, {.num_threads = 1}));
    return;
  }
  try {
    Session s(bf16, {.num_threads = 1});
    FAIL() << "a bf16 model ran on a CPU without avx512_bf16";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("is bf16"), std::string::npos) << what;
    EXPECT_NE(what.find("avx512_bf16"), std::string::npos) << what;
    EXPECT_NE(what.find("--precision fp32"), std::string::npos) << what;
  }
}

std::vector<PrecisionParam> precision_params() {
  std::vector<PrecisionParam> params;
  for (const char* precision : {"int8", "bf16"}) {
    for (const std::string& name : testing::onnx_fixture_names()) {
      if (name.ends_with("_opset14")) params.emplace_back(precision, name);
    }
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, LowPrecisionFixtureTest, ::testing::ValuesIn(precision_params()),
                         [](const ::testing::TestParamInfo<PrecisionParam>& info) {
                           return (std::get<0>(info.param) == "bf16" ? "Bf16_" : "Int8_") + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace bertc
