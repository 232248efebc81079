// Offsets and the special-tokens mask through truncation (either direction), pairs and padding;
// the oracle test (oracle_test.cc) checks the offsets themselves against the Rust library.
#include <gtest/gtest.h>

#include <filesystem>

#include "bertc/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using Offsets = std::vector<std::pair<std::size_t, std::size_t>>;

const fs::path kVocab = fs::path(BERTC_SOURCE_DIR) / ".." / "shared" / "data" / "bert-base-uncased" / "vocab.txt";

TEST(TokenizerOffsets, FollowTruncationPairsAndPadding) {
  if (!fs::is_regular_file(kVocab)) GTEST_SKIP() << "needs " << kVocab;
  const bertc::Tokenizer tok = bertc::Tokenizer::from_file(kVocab);
  bertc::TokenizerOptions o;
  o.return_offsets = true;
  bertc::Encoding e = tok.encode("Hello wórld foo", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 12}, {13, 16}, {0, 0}}));  // ó is 2 bytes
  EXPECT_EQ(e.special_tokens_mask, (std::vector<uint8_t>{1, 0, 0, 0, 1}));

  o.truncation = bertc::TruncationOptions{.max_length = 4};
  e = tok.encode("Hello wórld foo", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 12}, {0, 0}}));
  o.truncation->direction = bertc::Direction::left;
  e = tok.encode("Hello wórld foo", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {6, 12}, {13, 16}, {0, 0}}));

  o.truncation.reset();
  o.padding = bertc::PaddingOptions{.strategy = bertc::PaddingStrategy::fixed, .length = 8};
  e = tok.encode("ab", std::string_view("cd is"), o);  // pair offsets are in the pair's text
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 2}, {0, 0}, {0, 2}, {3, 5}, {0, 0}, {0, 0}, {0, 0}}));
  EXPECT_EQ(e.special_tokens_mask, (std::vector<uint8_t>{1, 0, 1, 0, 0, 1, 1, 1}));

  o.return_offsets = false;  // not asked for: not filled
  e = tok.encode("ab", std::nullopt, o);
  EXPECT_TRUE(e.offsets.empty() && e.special_tokens_mask.empty());
}

}  // namespace
