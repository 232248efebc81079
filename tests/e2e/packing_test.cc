// Packed execution on every fixture (ONNX exports and Hugging Face folders): a right-padded
// batch run packed gives the padded results on the real tokens (1e-5 at -O3; -O0 does not
// pack and must agree to 1e-6), zeros at the padding, and a ragged batch gives each sequence
// what it gets alone. Plus the fallbacks (masks with holes, left padding) and bad batches.
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>

#include "../common/error_of.h"
#include "bertc/error.h"
#include "bertc/session.h"
#include "fixtures.h"

namespace bertc {
namespace {

using testing::error_of;

struct PackCase {
  std::string name;  // "bert_opset14" (ONNX) or "hf/bert"
  int opt_level;
};

std::vector<PackCase> pack_cases() {
  std::vector<PackCase> cases;
  std::vector<std::string> names = testing::onnx_fixture_names();
  const auto hf = testing::fixtures_dir() / "hf";
  if (std::filesystem::exists(hf)) {
    for (const auto& e : std::filesystem::directory_iterator(hf)) names.push_back("hf/" + e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    for (int level : {0, 3}) cases.push_back({n, level});
  }
  return cases;
}

std::string pack_case_name(const ::testing::TestParamInfo<PackCase>& info) {
  std::string n = info.param.name;
  std::replace(n.begin(), n.end(), '/', '_');
  return n + "_O" + std::to_string(info.param.opt_level);
}

Model compile_case(const PackCase& c) {
  const auto dir = testing::fixtures_dir() / c.name;
  const auto path = std::filesystem::exists(dir / "model.onnx") ? dir / "model.onnx" : dir;
  return compile(path.string(), {.opt_level = c.opt_level});
}

const std::vector<int64_t> kLengths = {5, 1, 13, 9, 2};

// A right-padded batch of kLengths: ids in [2, 150), types 0/1 by half, mask 1…1 0…0.
std::map<std::string, Tensor> padded_batch(const Session& s) {
  const auto B = static_cast<int64_t>(kLengths.size());
  const int64_t S = *std::max_element(kLengths.begin(), kLengths.end());
  Tensor ids = Tensor::empty(DType::kI64, {B, S}), mask = Tensor::empty(DType::kI64, {B, S}),
         types = Tensor::empty(DType::kI64, {B, S});
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t j = 0; j < S; ++j) {
      const bool real = j < kLengths[b];
      ids.data<int64_t>()[b * S + j] = real ? 2 + (b * 31 + j * 17) % 148 : 0;
      mask.data<int64_t>()[b * S + j] = real;
      types.data<int64_t>()[b * S + j] = real && j >= kLengths[b] / 2;
    }
  }
  std::map<std::string, Tensor> feeds;
  for (const InputInfo& in : s.inputs()) {
    feeds[in.name] = in.name == "input_ids" ? ids : in.name == "attention_mask" ? mask : types;
  }
  return feeds;
}

// max |a - b| over the rows of sequence b's real tokens, or every element of per-sequence outputs.
double real_token_diff(const Tensor& a, const Tensor& b, bool per_token) {
  if (!per_token) return testing::max_abs_diff(a, b);
  const int64_t S = a.dim(1), row = a.numel() / (a.dim(0) * S);
  double worst = 0;
  for (int64_t s = 0; s < a.dim(0); ++s) {
    for (int64_t k = 0; k < kLengths[s] * row; ++k) {
      const int64_t i = s * S * row + k;
      worst = std::max(worst, static_cast<double>(std::fabs(a.data<float>()[i] - b.data<float>()[i])));
    }
  }
  return worst;
}

class PackingTest : public ::testing::TestWithParam<PackCase> {};

TEST_P(PackingTest, PackedMatchesPaddedOnRealTokens) {
  const PackCase& c = GetParam();
  Session packed(compile_case(c));
  Session padded(compile_case(c), {.packing = false});
  const auto feeds = padded_batch(packed);
  const std::vector<Tensor> got = packed.run(feeds), want = padded.run(feeds);
  const double tol = c.opt_level == 0 ? 1e-6 : 1e-5;
  const int64_t S = feeds.at("input_ids").dim(1);
  for (size_t o = 0; o < got.size(); ++o) {
    const std::string& name = packed.output_names()[o];
    ASSERT_EQ(got[o].shape(), want[o].shape()) << name;
    const bool per_token = got[o].rank() == 3 && got[o].dim(1) == S;
    EXPECT_LE(real_token_diff(got[o], want[o], per_token), tol) << name;
  }
  // DeBERTa-v2 with embedding_size ≠ hidden_size (deberta_cls) projects its embeddings before
  // their LayerNorm: no fused embeddings, so no packing region (it runs padded).
  if (c.opt_level == 3 && c.name.find("deberta_cls") == std::string::npos) {
    // Packed work counts real tokens only; and padding rows of per-token outputs are zero.
    EXPECT_LT(packed.flops(), padded.flops());
    for (size_t o = 0; o < got.size(); ++o) {
      if (got[o].rank() != 3 || got[o].dim(1) != S) continue;
      const int64_t H = got[o].dim(2);
      for (int64_t b = 0; b < got[o].dim(0); ++b) {
        for (int64_t k = kLengths[b] * H; k < S * H; ++k) {
          ASSERT_EQ(got[o].data<float>()[b * S * H + k], 0.0f) << "padding of sequence " << b;
        }
      }
    }
  }
}

TEST_P(PackingTest, RaggedSequencesGetWhatTheyGetAlone) {
  const PackCase& c = GetParam();
  Session s(compile_case(c));
  std::vector<int64_t> ids, types;
  for (size_t b = 0; b < kLengths.size(); ++b) {
    for (int64_t j = 0; j < kLengths[b]; ++j) {
      ids.push_back(2 + (static_cast<int64_t>(b) * 31 + j * 17) % 148);
      types.push_back(j >= kLengths[b] / 2);
    }
  }
  const std::vector<InputInfo> inputs = s.inputs();
  const bool has_types = std::any_of(inputs.begin(), inputs.end(),
                                     [](const InputInfo& in) { return in.name == "token_type_ids"; });
  if (!has_types) types.clear();
  const std::vector<RaggedOutput> all = s.run(RaggedBatch{ids, kLengths, types});
  const double tol = c.opt_level == 0 ? 1e-6 : 1e-5;
  int64_t start = 0;
  for (size_t b = 0; b < kLengths.size(); ++b) {
    const std::span<const int64_t> one_ids(ids.data() + start, kLengths[b]);
    const std::span<const int64_t> one_types =
        types.empty() ? std::span<const int64_t>() : std::span<const int64_t>(types.data() + start, kLengths[b]);
    const int64_t one_len[] = {kLengths[b]};
    const std::vector<RaggedOutput> alone = s.run(RaggedBatch{one_ids, one_len, one_types});
    for (size_t o = 0; o < all.size(); ++o) {
      ASSERT_EQ(all[o].per_token, alone[o].per_token);
      const Tensor mine = all[o].sequence(b), theirs = alone[o].sequence(0);
      ASSERT_EQ(mine.shape(), theirs.shape()) << all[o].name;
      EXPECT_LE(testing::max_abs_diff(mine, theirs), tol) << all[o].name << " sequence " << b;
    }
    start += kLengths[b];
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PackingTest, ::testing::ValuesIn(pack_cases()), pack_case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PackingTest);

class PackingBert : public ::testing::Test {
 protected:
  static Session session(SessionOptions options = {}) {
    return Session(compile((testing::fixtures_dir() / "hf" / "bert").string()), options);
  }
};

// Masks that are not right padding (a hole, left padding) run padded, with the padded answer.
TEST_F(PackingBert, MasksThatAreNotRightPaddingRunPadded) {
  Session packed = session(), padded = session({.packing = false});
  auto feeds = padded_batch(packed);
  Tensor& mask = feeds["attention_mask"];
  const int64_t S = mask.dim(1);
  mask.data<int64_t>()[2 * S + 3] = 0;  // a hole in sequence 2
  mask.data<int64_t>()[0] = 0;          // left padding in sequence 0
  const std::vector<Tensor> got = packed.run(feeds), want = padded.run(feeds);
  for (size_t o = 0; o < got.size(); ++o) EXPECT_EQ(testing::max_abs_diff(got[o], want[o]), 0.0);
  EXPECT_EQ(packed.flops(), padded.flops());
}

TEST_F(PackingBert, BadRaggedBatchesNameTheSequence) {
  Session s = session();
  const std::vector<int64_t> ids = {5, 6, 7, 8, 9};
  auto error = [&](std::span<const int64_t> i, std::vector<int64_t> lengths,
                   std::vector<int64_t> types = {}) {
    return error_of([&] { s.run(RaggedBatch{i, lengths, types}); });
  };
  EXPECT_NE(error(ids, {2, 2}).find("the sequence lengths sum to 4, but 5 token ids were given"), std::string::npos);
  EXPECT_NE(error(ids, {2, 0, 3}).find("sequence 1 has length 0"), std::string::npos);
  EXPECT_NE(error(ids, {2, -1, 4}).find("sequence 1 has length -1"), std::string::npos);
  EXPECT_NE(error(ids, {}).find("at least one sequence"), std::string::npos);
  EXPECT_NE(error(ids, {5}, {0, 1}).find("2 type ids were given for 5 token ids"), std::string::npos);
  const std::vector<int64_t> bad_id = {5, 6, 7, 9999, 9};
  EXPECT_NE(error(bad_id, {2, 3}).find("sequence 1, token 1: token id 9999 is outside [0, 250)"), std::string::npos)
      << error(bad_id, {2, 3});
  const std::vector<int64_t> bad_type = {0, 0, 0, 7, 0};
  EXPECT_NE(error(ids, {2, 3}, bad_type).find("sequence 1, token 1: token type id 7"), std::string::npos);
  std::vector<int64_t> long_ids(3 + 41, 5);  // the position table has 40 rows
  const std::string msg = error(long_ids, {3, 41});
  EXPECT_NE(msg.find("sequence 1 has 41 tokens, but the model supports at most 40"), std::string::npos) << msg;
}

}  // namespace
}  // namespace bertc
