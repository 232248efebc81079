// Offsets and the special-tokens mask through truncation (either direction), pairs and padding;
// the oracle test (oracle_test.cc) checks the offsets themselves against the Rust library.
#include <gtest/gtest.h>

#include <filesystem>

#include "bertc/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using Offsets = std::vector<std::pair<std::size_t, std::size_t>>;

// The committed vocabulary of the text-model fixtures (see tests/fixtures/text_models/README.md).
const fs::path kVocab = fs::path(BERTC_SOURCE_DIR) / "tests" / "fixtures" / "text_models" / "ascii_vocab.txt";

TEST(TokenizerOffsets, FollowTruncationPairsAndPadding) {
  const bertc::Tokenizer tok = bertc::Tokenizer::from_file(kVocab);
  bertc::TokenizerOptions o;
  o.return_offsets = true;
  bertc::Encoding e = tok.encode("Hello wórld text", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 12}, {13, 17}, {0, 0}}));  // ó is 2 bytes
  EXPECT_EQ(e.special_tokens_mask, (std::vector<uint8_t>{1, 0, 0, 0, 1}));

  o.truncation = bertc::TruncationOptions{.max_length = 4};
  e = tok.encode("Hello wórld text", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 5}, {6, 12}, {0, 0}}));
  o.truncation->direction = bertc::Direction::left;
  e = tok.encode("Hello wórld text", std::nullopt, o);
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {6, 12}, {13, 17}, {0, 0}}));

  o.truncation.reset();
  bertc::PaddingOptions pad;
  pad.strategy = bertc::PaddingStrategy::fixed;
  pad.length = 8;
  o.padding = pad;
  e = tok.encode("the", std::string_view("of is"), o);  // pair offsets are in the pair's text
  EXPECT_EQ(e.offsets, (Offsets{{0, 0}, {0, 3}, {0, 0}, {0, 2}, {3, 5}, {0, 0}, {0, 0}, {0, 0}}));
  EXPECT_EQ(e.special_tokens_mask, (std::vector<uint8_t>{1, 0, 1, 0, 0, 1, 1, 1}));

  o.return_offsets = false;  // not asked for: not filled
  e = tok.encode("ab", std::nullopt, o);
  EXPECT_TRUE(e.offsets.empty() && e.special_tokens_mask.empty());
}

}  // namespace
