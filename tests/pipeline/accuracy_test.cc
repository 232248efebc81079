// The int8 accuracy gate (bertc/accuracy.h): int8 against fp32 on texts, for the planted-outlier
// fixtures (tests/fixtures/hf/bert_outliers, bert_cls_outliers: a few LayerNorm channels 50x the
// rest, as in trained BERTs), and the report's round trip through a bundle.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "../common/ascii_text_model.h"
#include "../common/temp_path.h"
#include "bertc/accuracy.h"
#include "bertc/compile.h"
#include "bertc/error.h"

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

TEST(AccuracyGate, EmbeddingsWithOutlierChannels) {
  const std::string dir = testing::ascii_text_model("bert_outliers").string();
  const Model fp32 = compile(dir, {});
  for (bool smooth : {true, false}) {
    const Model int8 = compile(dir, {.precision = "int8", .smooth_outliers = smooth});
    const AccuracyReport r = compare_on_texts(fp32, int8, texts(), 2);
    EXPECT_EQ(r.kind, "embedding");
    EXPECT_EQ(r.texts, 200);
    EXPECT_GE(r.cosine_mean, 0.995) << r.to_text();
    EXPECT_GE(r.cosine_min, 0.98) << r.to_text();
    EXPECT_LE(r.cosine_min, r.cosine_p1);
    EXPECT_NEAR(r.drop, 1 - r.cosine_mean, 1e-12);
    EXPECT_TRUE(r.fp32_layers.empty());
    EXPECT_EQ(r.smoothed_layers.empty(), !smooth) << r.to_text();
  }
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

// The outliers are within what per-token int8 survives (0.1% drop here), so a limit of 5e-4
// shows the gate telling handled from unhandled: smoothing from the measured ranges cuts the drop
// by over 20x.
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
  plain.max_drop = handled.max_drop = 5e-4;
  EXPECT_FALSE(plain.passed()) << plain.to_text();
  EXPECT_TRUE(handled.passed()) << handled.to_text();
  EXPECT_LT(handled.drop * 20, plain.drop) << handled.to_text() << plain.to_text();
  EXPECT_GE(handled.smoothed_layers.size(), 6u) << handled.to_text();  // at least Q|K|V and FFN-up of 3 layers
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
