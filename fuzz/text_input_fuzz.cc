// Feeds the bytes as text to the WordPiece tokenizer of bert-base-uncased's vocab.txt (from
// ../shared/data; else the committed fuzz/corpus/vocab_txt/small_vocab.txt): byte 0 picks
// truncation / padding options, the rest is the text, and a pair after the first NUL byte.
// encode and tokenize must succeed or throw bertc::Error (invalid UTF-8, a sequence too short
// to truncate).
#include <optional>

#include "bertc/error.h"
#include "bertc/tokenizer.h"
#include "fuzz_util.h"

namespace {

const bertc::Tokenizer& tokenizer() {
  namespace fz = bertc::fuzz;
  static const bertc::Tokenizer tok = [] {
    const fz::fs::path shared = fz::source_path("../shared/data/bert-base-uncased/vocab.txt");
    return bertc::Tokenizer::from_file(
        fz::fs::exists(shared) ? shared : fz::source_path("fuzz/corpus/vocab_txt/small_vocab.txt"));
  }();
  return tok;
}

// Bits 0-1: no truncation, longest_first, only_first, only_second; bit 2: pad (bit 3: to a fixed
// 24, else longest; bit 4: to a multiple of 8); bit 5: left (truncation and padding); bit 6: no
// special tokens; bit 7: max_length 5, else 16.
bertc::TokenizerOptions options_of(uint8_t b) {
  bertc::TokenizerOptions o;
  const auto dir = b & 0x20 ? bertc::Direction::left : bertc::Direction::right;
  if (b & 3) {
    o.truncation =
        bertc::TruncationOptions{static_cast<size_t>(b & 0x80 ? 5 : 16),
                                 static_cast<bertc::TruncationStrategy>((b & 3) - 1), dir};
  }
  if (b & 4) {
    o.padding = bertc::PaddingOptions{};
    o.padding->strategy = b & 8 ? bertc::PaddingStrategy::fixed : bertc::PaddingStrategy::longest;
    o.padding->length = 24;
    o.padding->pad_to_multiple_of = b & 0x10 ? 8 : 0;
    o.padding->direction = dir;
  }
  o.add_special_tokens = !(b & 0x40);
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bertc::TokenizerOptions options = options_of(data[0]);
  const std::string_view input = bertc::fuzz::as_view(data + 1, size - 1);
  const size_t nul = input.find('\0');
  const std::string_view text = input.substr(0, nul);
  std::optional<std::string_view> pair;
  if (nul != std::string_view::npos) pair = input.substr(nul + 1);
  try {
    (void)tokenizer().encode(text, pair, options);
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  try {
    (void)tokenizer().tokenize(input);
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
