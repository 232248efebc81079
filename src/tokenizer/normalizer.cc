#include "tokenizer/normalizer.h"

#include <utf8proc.h>

#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// Lower case as Rust's char::to_lowercase: the full mapping, one character at a time. The only
// full lower-case mapping longer than one character is U+0130 -> "i\u0307".
inline void append_lower(std::string& dst, char32_t c) {
  if (c == 0x130) {
    dst.append("i\xCC\x87");
    return;
  }
  append_utf8(dst, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
}

inline int combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

// Appends the canonical decomposition (NFD) of c to `pending`.
inline void decompose(char32_t c, std::vector<char32_t>& pending) {
  utf8proc_int32_t buf[32];
  const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buf, 32,
                                                     UTF8PROC_DECOMPOSE, nullptr);
  if (n <= 0 || n > 32) {
    pending.push_back(c);
    return;
  }
  for (utf8proc_ssize_t i = 0; i < n; ++i) pending.push_back(static_cast<char32_t>(buf[i]));
}

// Puts `pending` (decomposed code points that follow a starter already written) in canonical
// order, drops the non-spacing marks, lower-cases if asked and appends to dst.
void flush(std::vector<char32_t>& pending, bool lowercase, std::string& dst) {
  if (pending.empty()) return;
  // Canonical ordering: a stable sort of each run of non-starters by combining class.
  const std::size_t n = pending.size();
  for (std::size_t i = 1; i < n; ++i) {
    const int cc = combining_class(pending[i]);
    if (cc == 0) continue;
    std::size_t j = i;
    const char32_t c = pending[i];
    while (j > 0) {
      const int pc = combining_class(pending[j - 1]);
      if (pc == 0 || pc <= cc) break;
      pending[j] = pending[j - 1];
      --j;
    }
    pending[j] = c;
  }
  for (char32_t c : pending) {
    if (is_nonspacing_mark(c)) continue;
    if (lowercase) {
      append_lower(dst, c);
    } else {
      append_utf8(dst, c);
    }
  }
  pending.clear();
}

}  // namespace

void normalize(const NormalizerConfig& cfg, std::string_view src, std::string& dst,
               std::vector<char32_t>& pending) {
  if (!cfg.enabled) {
    dst.append(src);
    return;
  }
  pending.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(src.data());
  const std::size_t n = src.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned b = p[i];
    if (b < 0x80) {
      flush(pending, cfg.lowercase, dst);
      // ASCII run: ASCII characters are starters without decompositions.
      while (i < n && p[i] < 0x80) {
        unsigned c = p[i++];
        if (cfg.clean_text) {
          const uint8_t k = kAsciiClass[c];
          if (k & kAsciiControl) continue;  // includes NUL
          if (k & kAsciiSpace) c = ' ';
        }
        if (cfg.lowercase && c - 'A' < 26u) c += 32;
        dst.push_back(static_cast<char>(c));
      }
      continue;
    }
    std::size_t len;
    const char32_t c = decode_utf8(p + i, len);
    i += len;
    if (cfg.clean_text) {
      if (c == 0xFFFD || is_control(c)) continue;
      if (is_whitespace(c)) {
        flush(pending, cfg.lowercase, dst);
        dst.push_back(' ');
        continue;
      }
    }
    const bool cjk = cfg.handle_chinese_chars && is_chinese_char(c);
    if (cjk) {
      flush(pending, cfg.lowercase, dst);
      dst.push_back(' ');
    }
    if (cfg.strip_accents) {
      decompose(c, pending);
    } else if (cfg.lowercase) {
      append_lower(dst, c);
    } else {
      append_utf8(dst, c);
    }
    if (cjk) {
      flush(pending, cfg.lowercase, dst);
      dst.push_back(' ');
    }
  }
  flush(pending, cfg.lowercase, dst);
}

}  // namespace bertc::tokenizer
