// The pooling modes of sentence-transformers' Pooling on a hand-made [4, 2] state matrix whose
// last row is masked out, against the module's formulas worked by hand.
#include "pipeline/heads.h"

#include <gtest/gtest.h>

#include <cmath>

#include "../common/error_of.h"

namespace bertc::pipeline {
namespace {

const float kStates[] = {1, 2,   // token 0
                         3, -4,  // token 1
                         5, 6,   // token 2
                         70, 80};  // token 3: padding
const std::vector<int64_t> kMask = {1, 1, 1, 0};

std::vector<float> pooled(const std::string& mode) { return pool(kStates, kMask, 2, {mode}); }

TEST(Pooling, EveryMode) {
  EXPECT_EQ(pooled("cls"), (std::vector<float>{1, 2}));
  EXPECT_EQ(pooled("max"), (std::vector<float>{5, 6}));
  EXPECT_EQ(pooled("mean"), (std::vector<float>{3, 4.0f / 3}));
  const float r3 = std::sqrt(3.0f);
  EXPECT_NEAR(pooled("mean_sqrt_len")[0], 9 / r3, 1e-6);
  // weights 1, 2, 3: (1*1 + 2*3 + 3*5) / 6, (1*2 - 2*4 + 3*6) / 6
  EXPECT_NEAR(pooled("weightedmean")[0], 22.0f / 6, 1e-6);
  EXPECT_NEAR(pooled("weightedmean")[1], 12.0f / 6, 1e-6);
  EXPECT_EQ(pooled("lasttoken"), (std::vector<float>{5, 6}));  // the last unmasked token
  EXPECT_EQ(pool(kStates, std::vector<int64_t>{0, 0, 0, 0}, 2, {"lasttoken"}), (std::vector<float>{0, 0}));
  // Concatenated in the order given, then normalized as a whole.
  auto both = pool(kStates, kMask, 2, {"cls", "lasttoken"});
  l2_normalize(both);
  const float n = std::sqrt(1.0f + 4 + 25 + 36);
  EXPECT_NEAR(both[3], 6 / n, 1e-6);
  EXPECT_NE(testing::error_of([] { pooled("median"); }).find("not supported"), std::string::npos);
}

// y = activation(W x + b) for every activation the loader admits, and without a bias.
TEST(DenseModule, EveryActivation) {
  const Tensor w = Tensor::from_vector<float>({1, -2, 0.5f, 3, 0, -1}, {2, 3});  // [out 2, in 3]
  const Tensor b = Tensor::from_vector<float>({0.25f, -0.5f}, {2});
  const std::vector<float> x = {1, 2, -2};
  const double z0 = 1 - 4 - 1 + 0.25, z1 = 3 + 0 + 2 - 0.5;  // -3.75, 4.5
  auto run = [&](const std::string& act, bool bias) {
    return dense(x, DenseModule{w, bias ? b : Tensor(), act});
  };
  EXPECT_EQ(run("identity", true), (std::vector<float>{-3.75f, 4.5f}));
  EXPECT_EQ(run("identity", false), (std::vector<float>{-4.0f, 5.0f}));
  EXPECT_NEAR(run("tanh", true)[0], std::tanh(z0), 1e-7);
  EXPECT_EQ(run("relu", true), (std::vector<float>{0.0f, 4.5f}));
  EXPECT_NEAR(run("sigmoid", true)[1], 1 / (1 + std::exp(-z1)), 1e-7);
  EXPECT_NEAR(run("gelu", true)[0], 0.5 * z0 * (1 + std::erf(z0 / std::sqrt(2.0))), 1e-7);
  EXPECT_NE(testing::error_of([&] { dense(std::vector<float>{1, 2}, DenseModule{w, b, "tanh"}); })
                .find("takes 3 features, got 2"),
            std::string::npos);
}

}  // namespace
}  // namespace bertc::pipeline
