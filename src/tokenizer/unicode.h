// UTF-8 decoding / validation and the character classes of Hugging Face's BERT tokenizer
// (BertNormalizer, BertPreTokenizer). Categories and case mappings come from utf8proc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bertc::tokenizer {

// The byte offset of the first invalid UTF-8 sequence in `s` (bad lead or continuation byte,
// overlong form, surrogate, code point above U+10FFFF, truncated sequence), or npos.
std::size_t find_invalid_utf8(std::string_view s);

// `s` with each maximal invalid UTF-8 subsequence replaced by U+FFFD (Rust's from_utf8_lossy).
std::string to_valid_utf8(std::string_view s);

// Throws bertc::Error "<what>: invalid UTF-8 at byte offset N (...)" if `s` is not valid UTF-8.
void check_utf8(std::string_view s, std::string_view what);

// Decodes the code point at p, which must start a valid UTF-8 sequence; sets `len` to its size.
inline char32_t decode_utf8(const unsigned char* p, std::size_t& len) {
  const unsigned b0 = p[0];
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    len = 2;
    return ((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  }
  if (b0 < 0xF0) {
    len = 3;
    return ((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
  }
  len = 4;
  return ((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
}

inline void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
    out.append(b, 2);
  } else if (c < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (c >> 12)),
                       static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (c & 0x3F))};
    out.append(b, 3);
  } else {
    const char b[4] = {
        static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
        static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
    out.append(b, 4);
  }
}

// Number of code points in valid UTF-8.
inline std::size_t count_chars(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char b : s) n += (b & 0xC0) != 0x80;
  return n;
}

// \t \n \r, or the Unicode White_Space property (what `tokenizers` uses: Rust char::is_whitespace).
bool is_whitespace(char32_t c);
// Category Cc, Cf, Cs or Co, except \t \n \r (unassigned code points, Cn, are not controls:
// the Rust `tokenizers` no longer counts them).
bool is_control(char32_t c);
// ASCII 33-47, 58-64, 91-96, 123-126, or category P*. Symbols (S*) are not punctuation.
bool is_punctuation(char32_t c);
// BertTokenizer's _is_chinese_char: the CJK Unified Ideographs blocks and their extensions.
bool is_chinese_char(char32_t c);
// Category Mn.
bool is_nonspacing_mark(char32_t c);
// Category M* (Mn, Mc, Me).
bool is_mark(char32_t c);
// Category L* / N* (regex \p{L} / \p{N}).
bool is_letter(char32_t c);
bool is_number(char32_t c);
// Category Nd / Pc.
bool is_decimal_digit(char32_t c);
bool is_connector_punctuation(char32_t c);
// Appends c's full lower case, as Rust's char::to_lowercase (no final-sigma rule).
void append_lowercase(std::string& out, char32_t c);
// The end of the extended grapheme cluster that starts at byte `at` of valid UTF-8 `s`.
std::size_t grapheme_end(std::string_view s, std::size_t at);

// Per-byte classes of ASCII for the fast paths (bit flags).
enum AsciiClass : uint8_t {
  kAsciiOther = 0,
  kAsciiSpace = 1,    // \t \n \r ' ', and \v \f (White_Space; controls when cleaning)
  kAsciiPunct = 2,    // 33-47, 58-64, 91-96, 123-126
  kAsciiControl = 4,  // Cc other than \t \n \r (includes \v \f and NUL)
};

struct AsciiClassTable {
  uint8_t v[128] = {};
  constexpr AsciiClassTable() {
    for (unsigned c = 0; c < 128; ++c) {
      uint8_t k = kAsciiOther;
      if (c == '\t' || c == '\n' || c == '\r' || c == ' ' || c == 0x0B || c == 0x0C)
        k |= kAsciiSpace;
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) k |= kAsciiControl;
      if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
          (c >= 123 && c <= 126)) {
        k |= kAsciiPunct;
      }
      v[c] = k;
    }
  }
  constexpr uint8_t operator[](unsigned c) const { return v[c]; }
};
inline constexpr AsciiClassTable kAsciiClass{};

}  // namespace bertc::tokenizer
