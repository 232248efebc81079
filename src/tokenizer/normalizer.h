// The normalizers of `tokenizers` (see components.h for the interface): BertNormalizer
// (normalizer_bert.cc), the Unicode forms, Lowercase, Strip, StripAccents, Nmt, Prepend, Replace
// and Sequence (normalizers.cc) and SentencePiece's Precompiled charsmap (precompiled_charsmap.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bertc::tokenizer {

// A byte range [begin, end) of the text before normalization.
struct SourceSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Where normalized bytes came from: `out[k]` is the source character of the k-th byte appended
// (every byte a character turns into, and the spaces put around a CJK ideograph, map to that
// whole character). `pending` is scratch.
struct Alignment {
  std::vector<SourceSpan> out;
  std::vector<SourceSpan> pending;
};

class Normalizer;

// Appends the spans of unchanged valid UTF-8 `s`, which starts at byte `at` of the input: each
// byte maps to its whole character.
void append_identity_spans(std::string_view s, std::vector<SourceSpan>& spans, std::size_t at = 0);

struct BertNormalizerConfig {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;  // already resolved: an unset strip_accents follows lowercase
  bool lowercase = true;
};

// BertNormalizer: clean text, pad CJK ideographs with spaces, strip accents (NFD, then drop
// Mn), lower-case (per character).
std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerConfig& config);

enum class UnicodeForm { nfc, nfd, nfkc, nfkd };
std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form);
// Rust's char::to_lowercase, one character at a time (no final-sigma rule).
std::unique_ptr<Normalizer> make_lowercase_normalizer();
// Removes White_Space characters from the left and / or the right end.
std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right);
// Drops combining marks (category Mn); used after NFD / NFKD.
std::unique_ptr<Normalizer> make_strip_accents_normalizer();
// SentencePiece's NMT rules: drops some control characters, maps others to a space.
std::unique_ptr<Normalizer> make_nmt_normalizer();
// Puts `prefix` before a non-empty text.
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix);
// Replaces every match of `pattern` (a literal string, or an Oniguruma regex when `regex`) with
// `content`. Throws bertc::Error naming `where` for a bad regex.
std::unique_ptr<Normalizer> make_replace_normalizer(const std::string& pattern, bool regex,
                                                    std::string content, const std::string& where);
std::unique_ptr<Normalizer> make_sequence_normalizer(std::vector<std::unique_ptr<Normalizer>> steps);
// SentencePiece's precompiled normalization rules (the charsmap blob, already base64-decoded).
// Throws bertc::Error naming `where` when the blob is truncated or inconsistent.
std::unique_ptr<Normalizer> make_precompiled_normalizer(std::string blob, const std::string& where);

}  // namespace bertc::tokenizer
