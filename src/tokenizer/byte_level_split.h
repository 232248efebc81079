// GPT-2's pre-tokenization pattern, hand-compiled: gpt2_split(s, on_piece) calls on_piece(begin,
// end) for each match in valid UTF-8 `s` (see byte_level.h). Oniguruma semantics:
// alternatives in order, \s = White_Space, \p{L} / \p{N} = categories L* / N*.
#pragma once

#include <string_view>

#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

template <class F>
void gpt2_split(std::string_view s, F&& on_piece) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  auto at = [&](std::size_t i, std::size_t& len) { return decode_utf8(p + i, len); };
  // The end of the run of characters from i for which pred holds.
  auto run = [&](std::size_t i, auto&& pred) {
    while (i < n) {
      std::size_t len;
      if (!pred(at(i, len))) break;
      i += len;
    }
    return i;
  };
  auto other = [](char32_t c) { return !is_whitespace(c) && !is_letter(c) && !is_number(c); };
  std::size_t i = 0;
  while (i < n) {
    // 's 't 're 've 'm 'll 'd
    if (p[i] == '\'' && i + 1 < n) {
      const char a = static_cast<char>(p[i + 1]);
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        on_piece(i, i + 2);
        i += 2;
        continue;
      }
      if (i + 2 < n) {
        const std::string_view two = s.substr(i + 1, 2);
        if (two == "re" || two == "ve" || two == "ll") {
          on_piece(i, i + 3);
          i += 3;
          continue;
        }
      }
    }
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
    const std::size_t k = p[i] == ' ' ? i + 1 : i;
    if (k < n) {
      std::size_t len;
      const char32_t c = at(k, len);
      std::size_t end = k;
      if (is_letter(c))
        end = run(k, is_letter);
      else if (is_number(c))
        end = run(k, is_number);
      else if (other(c))
        end = run(k, other);
      if (end > k) {
        on_piece(i, end);
        i = end;
        continue;
      }
    }
    // \s+(?!\S) | \s+ : a run of whitespace, less its last character when something follows.
    const std::size_t end = run(i, is_whitespace);
    std::size_t stop = end;
    if (end < n) {
      std::size_t last = end - 1;
      while ((p[last] & 0xC0) == 0x80) --last;
      if (last > i) stop = last;
    }
    on_piece(i, stop);
    i = stop;
  }
}

}  // namespace bertc::tokenizer
