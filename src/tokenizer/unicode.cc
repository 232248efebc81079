#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "bertc/error.h"

namespace bertc::tokenizer {

namespace {

// The UTF-8 sequence at p[0, n), p[0] >= 0x80: its length when it is valid, else 0 and, in
// `subpart`, the length of its maximal ill-formed subpart (the lead byte and the continuation
// bytes that could follow it; at least 1).
std::size_t utf8_sequence(const unsigned char* p, std::size_t n, std::size_t& subpart) {
  const unsigned b0 = p[0];
  std::size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  }  // else: a continuation byte as lead, C0/C1 overlong leads, F5..FF
  std::size_t k = 1;
  while (k < len && k < n && p[k] >= (k == 1 ? lo : 0x80u) && p[k] <= (k == 1 ? hi : 0xBFu)) ++k;
  if (len > 0 && k == len) return len;
  subpart = k;
  return 0;
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    // Skip ASCII eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    std::size_t subpart;
    const std::size_t len = utf8_sequence(p + i, n - i, subpart);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t done = 0;
  while (done < s.size()) {
    const std::size_t bad = find_invalid_utf8(s.substr(done));
    if (bad == std::string_view::npos) break;
    out.append(s.substr(done, bad));
    const std::size_t at = done + bad;
    std::size_t subpart;
    utf8_sequence(reinterpret_cast<const unsigned char*>(s.data()) + at, s.size() - at, subpart);
    out.append("\xEF\xBF\xBD");
    done = at + subpart;
  }
  out.append(s.substr(done));
  return out;
}

void check_utf8(std::string_view s, std::string_view what) {
  const std::size_t at = find_invalid_utf8(s);
  if (at == std::string_view::npos) return;
  char buf[160];
  const auto b = static_cast<unsigned char>(s[at]);
  const bool truncated = b >= 0xC2 && b <= 0xF4 && [&] {
    // A valid lead byte whose sequence runs past the end of the text.
    const std::size_t len = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    if (at + len <= s.size()) return false;
    for (std::size_t k = at + 1; k < s.size(); ++k) {
      if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return false;
    }
    return true;
  }();
  std::snprintf(buf, sizeof buf, "invalid UTF-8 at byte offset %zu (byte 0x%02x%s)", at,
                static_cast<unsigned>(b), truncated ? ", sequence cut short by the end" : "");
  throw Error(std::string(what) + ": " + buf);
}

bool is_whitespace(char32_t c) {
  if (c < 0x80) return (kAsciiClass[c] & kAsciiSpace) != 0;
  switch (c) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

bool is_control(char32_t c) {
  if (c < 0x80) return (kAsciiClass[c] & kAsciiControl) != 0;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
      return true;
    default:
      return false;
  }
}

bool is_punctuation(char32_t c) {
  if (c < 0x80) return (kAsciiClass[c] & kAsciiPunct) != 0;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_MN;
}

bool is_mark(char32_t c) {
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME;
}

bool is_letter(char32_t c) {
  if (c < 0x80) return (c | 0x20) - 'a' < 26u;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

bool is_number(char32_t c) {
  if (c < 0x80) return c - '0' < 10u;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO;
}

bool is_decimal_digit(char32_t c) {
  if (c < 0x80) return c - '0' < 10u;
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ND;
}

bool is_connector_punctuation(char32_t c) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_PC;
}

void append_lowercase(std::string& out, char32_t c) {
  if (c == 0x130) {  // the one full lower-case mapping longer than one character
    out.append("i\xCC\x87");
    return;
  }
  append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
}

std::size_t grapheme_end(std::string_view s, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t len;
  char32_t prev = decode_utf8(p + at, len);
  std::size_t i = at + len;
  utf8proc_int32_t state = 0;
  while (i < s.size()) {
    const char32_t c = decode_utf8(p + i, len);
    if (utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                         static_cast<utf8proc_int32_t>(c), &state)) {
      break;
    }
    prev = c;
    i += len;
  }
  return i;
}

}  // namespace bertc::tokenizer
