// The accuracy gate (bertc/accuracy.h): int8 (and bf16) against fp32 on texts, for the planted-outlier
// fixtures (tests/fixtures/hf/bert_outliers, bert_cls_outliers: a few LayerNorm channels 50x the
// rest, as in trained BERTs; tools/make_models.py plant_outliers), and the report's round trip
// through a bundle.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "../common/ascii_text_model.h"
#include "../common/temp_path.h"
#include "bertc/accuracy.h"
#include "bertc/compile.h"
#include "bertc/error.h"
#include "cpu/cpu_features.h"
#include "kernels/x86/bgemm.h"

namespace bertc {
namespace {

// 200 texts of 3..40 words of the ascii vocabulary (fixed seed).
std::vector<std::string> texts() {
  const std::vector<std::string> words = {"hello", "world", "the", "is", "a", "text", "word", "of", "deep", "learning"};
  std::mt19937 rng(7);
  std::vector<std::string> out;
  for (int i = 0; i < 200; ++i) {
    std::string t;
    const int n = 3 + static_cast<int>(rng() % 38);
    for (int w = 0; w < n; ++w) t += (w ? " " : "") + words[rng() % words.size()] + (rng() % 5 == 0 ? std::string(1, static_cast<char>('a' + rng() % 26)) : "");
    out.push_back(t);
  }
  return out;
}

// The gate's default limit (1%) fails the planted outliers left unhandled and passes them
// smoothed (from the LayerNorm gains, no calibration ranges).
TEST(AccuracyGate, EmbeddingsWithOutlierChannels) {
  const std::string dir = testing::ascii_text_model("bert_outliers").string();
  const Model fp32 = compile(dir, {});
  AccuracyReport smoothed = compare_on_texts(fp32, compile(dir, {.precision = "int8"}), texts(), 2);
  AccuracyReport plain = compare_on_texts(fp32, compile(dir, {.precision = "int8", .smooth_outliers = false}), texts(), 2);
  smoothed.max_drop = plain.max_drop = 0.01;
  for (const AccuracyReport& r : {smoothed, plain}) {
    EXPECT_EQ(r.kind, "embedding");
    EXPECT_EQ(r.texts, 200);
    EXPECT_LE(r.cosine_min, r.cosine_p1);
    EXPECT_NEAR(r.drop, 1 - r.cosine_mean, 1e-12);
    EXPECT_TRUE(r.fp32_layers.empty());
  }
  EXPECT_TRUE(smoothed.passed()) << smoothed.to_text();
  EXPECT_GE(smoothed.cosine_mean, 0.995) << smoothed.to_text();
  EXPECT_GE(smoothed.cosine_min, 0.98) << smoothed.to_text();
  EXPECT_FALSE(smoothed.smoothed_layers.empty()) << smoothed.to_text();
  EXPECT_FALSE(plain.passed()) << plain.to_text();
  EXPECT_TRUE(plain.smoothed_layers.empty()) << plain.to_text();
}

TEST(AccuracyGate, ClassifierWithOutlierChannels) {
  const std::string dir = testing::ascii_text_model("bert_cls_outliers").string();
  const Model fp32 = compile(dir, {});
  const Model int8 = compile(dir, {.precision = "int8", .fp32_layers = {"classifier/Gemm"}});
  AccuracyReport r = compare_on_texts(fp32, int8, texts(), 2);
  EXPECT_EQ(r.kind, "classification");
  EXPECT_GE(r.label_agreement, 0.99) << r.to_text();
  EXPECT_LT(r.max_probability_diff, 0.2) << r.to_text();
  EXPECT_EQ(r.fp32_layers, std::vector<std::string>{"classifier/Gemm"});
  // The report goes into the bundle and comes back.
  r.max_drop = 0.01;
  Model saved = int8;
  saved.accuracy = r;
  const std::string bundle = testing::temp_path("accuracy_cls.bertc");
  save(saved, bundle);
  const Model loaded = load_model(bundle);
  ASSERT_TRUE(loaded.accuracy.has_value());
  EXPECT_EQ(loaded.accuracy->to_text(), r.to_text());
  EXPECT_TRUE(loaded.accuracy->passed());
}

// Smoothing from the channel ranges measured on the texts (instead of the LayerNorm gains) also
// takes the drop from past the default limit to far under it.
TEST(AccuracyGate, SmoothingFromMeasuredRangesPassesWhereUnhandledFails) {
  const std::string dir = testing::ascii_text_model("bert_outliers").string();
  const Model fp32 = compile(dir, {});
  const auto ranges = measure_dense_inputs(fp32, texts(), 2);
  const std::vector<float>& qkv0 = ranges.at("encoder.layer.0.attention.self.query/MatMul_qkv");
  ASSERT_EQ(qkv0.size(), 64u);
  std::vector<float> sorted = qkv0;
  std::sort(sorted.begin(), sorted.end());
  for (int c : {3, 17, 40}) EXPECT_GT(qkv0[c], 8 * sorted[32]) << "planted channel " << c;
  AccuracyReport plain = compare_on_texts(fp32, compile(dir, {.precision = "int8", .smooth_outliers = false}), texts(), 2);
  AccuracyReport handled =
      compare_on_texts(fp32, compile(dir, {.precision = "int8", .activation_ranges = ranges}), texts(), 2);
  plain.max_drop = handled.max_drop = 0.01;
  EXPECT_FALSE(plain.passed()) << plain.to_text();
  EXPECT_TRUE(handled.passed()) << handled.to_text();
  EXPECT_LT(handled.drop * 100, plain.drop) << handled.to_text() << plain.to_text();
  EXPECT_GE(handled.smoothed_layers.size(), 6u) << handled.to_text();  // at least Q|K|V and FFN-up of 3 layers
}

// bf16 (where it runs: avx512_bf16, or BERTC_ISA=ref as ctest's pipeline_bf16_reference runs
// this) keeps the outlier models close without any handling: its rounding is relative to each
// value, so outlier channels crush nothing. The report counts the bf16 layers and survives the
// bundle.
TEST(AccuracyGate, Bf16KeepsOutlierModelsClose) {
  if (!kernels::x86::bf16_runs(cpu::active_isa())) {
    GTEST_SKIP() << "this CPU does not run bf16 (no avx512_bf16): ctest's pipeline_bf16_reference runs this on the "
                    "reference kernels";
  }
  const std::string emb = testing::ascii_text_model("bert_outliers").string();
  const Model bf16 = compile(emb, {.precision = "bf16"});
  AccuracyReport r = compare_on_texts(compile(emb, {}), bf16, texts(), 2);
  r.max_drop = 0.01;
  EXPECT_TRUE(r.passed()) << r.to_text();
  EXPECT_GE(r.cosine_mean, 0.9999) << r.to_text();
  EXPECT_GE(r.cosine_min, 0.999) << r.to_text();
  EXPECT_EQ(r.int8_layers, 0);
  EXPECT_EQ(r.bf16_layers, static_cast<int64_t>(bf16.dense_layers().size()));
  EXPECT_NE(r.to_text().find(std::to_string(r.bf16_layers) + " bf16"), std::string::npos) << r.to_text();
  Model saved = bf16;
  saved.accuracy = r;
  const std::string bundle = testing::temp_path("accuracy_bf16.bertc");
  save(saved, bundle);
  EXPECT_EQ(load_model(bundle).accuracy->bf16_layers, r.bf16_layers);

  const std::string cls = testing::ascii_text_model("bert_cls_outliers").string();
  const AccuracyReport c = compare_on_texts(compile(cls, {}), compile(cls, {.precision = "bf16"}), texts(), 2);
  EXPECT_GE(c.label_agreement, 0.99) << c.to_text();
  EXPECT_LT(c.max_probability_diff, 0.02) << c.to_text();
}

TEST(AccuracyGate, RefusesWhatCannotBeCompared) {
  const Model emb = compile(testing::ascii_text_model("bert_outliers").string(), {});
  const Model cls = compile(testing::ascii_text_model("bert_cls_outliers").string(), {});
  EXPECT_THROW(compare_on_texts(emb, cls, texts()), Error);
  EXPECT_THROW(compare_on_texts(emb, emb, {}), Error);
  AccuracyReport failing;
  failing.drop = 0.02, failing.max_drop = 0.01;
  EXPECT_FALSE(failing.passed());
  EXPECT_NE(failing.to_text().find("FAILED"), std::string::npos);
}

}  // namespace
}  // namespace bertc
