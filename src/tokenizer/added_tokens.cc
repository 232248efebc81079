#include "tokenizer/added_tokens.h"

#include <algorithm>

#include "bertc/error.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

bool is_word_char(char32_t c) {
  if (c == '_') return true;
  return is_letter(c) || is_number(c);
}

// The last / first code point of valid UTF-8.
char32_t last_char(std::string_view s) {
  std::size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  std::size_t len;
  return decode_utf8(reinterpret_cast<const unsigned char*>(s.data()) + i, len);
}
char32_t first_char(std::string_view s) {
  std::size_t len;
  return decode_utf8(reinterpret_cast<const unsigned char*>(s.data()), len);
}

}  // namespace

void ModelData::add_token(AddedToken t, std::size_t id_limit) {
  if (t.id < 0 || static_cast<std::size_t>(t.id) >= id_limit) {
    throw Error(source + ": added token id " + std::to_string(t.id) + " of '" + t.content +
                "' is outside [0, " + std::to_string(id_limit) + ")");
  }
  const auto id = static_cast<std::size_t>(t.id);
  if (id >= id_to_token.size()) id_to_token.resize(id + 1);
  if (id >= special_ids.size()) special_ids.resize(id + 1, 0);
  id_to_token[id] = t.content;
  special_ids[id] = t.special ? 1 : 0;
  added_map.insert(t.content, t.id);
  // Replace an earlier registration of the same content.
  for (AddedSet* set : {&raw_added, &normalized_added}) {
    auto& v = set->tokens;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const AddedToken& o) { return o.content == t.content; }),
            v.end());
  }
  if (t.normalized && normalizer) {
    NormalizeScratch scratch;
    t.match.clear();
    normalizer->normalize(t.content, t.match, nullptr, scratch);
    normalized_added.add(std::move(t));
  } else {
    t.match = t.content;
    raw_added.add(std::move(t));
  }
}

void split_added(const AddedSet& set, std::string_view s, FunctionRef<void(std::string_view)> on_text,
                 FunctionRef<void(const AddedToken&, std::size_t, std::size_t)> on_token) {
  const std::vector<AddedToken>& tokens = set.tokens;
  if (tokens.empty()) {
    if (!s.empty()) on_text(s);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t done = 0;  // end of what has been emitted
  std::size_t pos = 0;
  while (pos < s.size()) {
    // Leftmost-longest: the first position where some token matches, the longest there.
    const AddedToken* best = nullptr;
    for (; pos < s.size(); ++pos) {
      if (!set.first_byte[p[pos]]) continue;
      for (const AddedToken& t : tokens) {
        if (t.match.empty() || t.match[0] != s[pos]) continue;
        if (s.compare(pos, t.match.size(), t.match) != 0) continue;
        if (best == nullptr || t.match.size() > best->match.size()) best = &t;
      }
      if (best) break;
    }
    if (best == nullptr) break;
    std::size_t start = pos;
    std::size_t stop = pos + best->match.size();
    pos = stop;
    if (best->single_word) {
      const bool start_ok = start == 0 || !is_word_char(last_char(s.substr(0, start)));
      const bool stop_ok = stop == s.size() || !is_word_char(first_char(s.substr(stop)));
      if (!start_ok || !stop_ok) continue;
    }
    if (best->lstrip) {
      std::size_t k = start;
      while (k > done) {
        std::size_t j = k - 1;
        while (j > done && (p[j] & 0xC0) == 0x80) --j;
        std::size_t len;
        if (!is_whitespace(decode_utf8(p + j, len))) break;
        k = j;
      }
      start = k;
    }
    if (best->rstrip) {
      while (stop < s.size()) {
        std::size_t len;
        if (!is_whitespace(decode_utf8(p + stop, len))) break;
        stop += len;
      }
      pos = stop;
    }
    if (done < start) on_text(s.substr(done, start - done));
    on_token(*best, start, stop);
    done = stop;
  }
  if (done < s.size()) on_text(s.substr(done));
}

}  // namespace bertc::tokenizer
