// The encoding pipeline of one sequence: added tokens, BertNormalizer, BertPreTokenizer,
// WordPiece.
#include <utf8proc.h>

#include <algorithm>

#include "bertc/error.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

void ModelData::build_continuation() {
  continuation = VocabMap{};
  if (prefix.empty()) return;  // the vocabulary itself is used
  for (std::size_t id = 0; id < id_to_token.size(); ++id) {
    const std::string& t = id_to_token[id];
    if (t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0 &&
        vocab.find(t) == static_cast<int32_t>(id)) {
      continuation.insert(std::string_view(t).substr(prefix.size()), static_cast<int32_t>(id));
    }
  }
}

void ModelData::resolve_unk() {
  const int32_t id = vocab.find(unk_token);
  if (id < 0) {
    throw Error(source + ": the unknown token '" + unk_token + "' is not in the vocabulary");
  }
  unk_id = id;
}

std::size_t ModelData::num_special(bool pair) const {
  if (!has_template) return 0;
  std::size_t n = 0;
  for (const TemplatePiece& p : pair ? pair_template : single_template) {
    if (p.sequence < 0) n += p.ids.size();
  }
  return n;
}

namespace {

// Where each id of a sequence came from, in the coordinates of the text being split (null: not
// asked for). `at` is the offset of the current piece of text in those coordinates.
struct Spans {
  std::vector<SourceSpan>* out = nullptr;
  uint32_t at = 0;
  void add(std::size_t begin, std::size_t end) const {
    if (out) out->push_back({static_cast<uint32_t>(at + begin), static_cast<uint32_t>(at + end)});
  }
  Spans shifted(std::size_t by) const { return {out, static_cast<uint32_t>(at + by)}; }
};

// Greedy longest-match-first WordPiece of one pre-tokenized word.
void wordpiece(const ModelData& m, std::string_view word, std::vector<int32_t>& ids, const Spans& spans) {
  if (word.empty()) return;
  if (count_chars(word) > m.max_input_chars_per_word) {
    ids.push_back(m.unk_id);
    spans.add(0, word.size());
    return;
  }
  const int32_t whole = m.vocab.find(word);
  if (whole >= 0) {
    ids.push_back(whole);
    spans.add(0, word.size());
    return;
  }
  const std::size_t first_span = spans.out ? spans.out->size() : 0;
  const VocabMap& cont = m.prefix.empty() ? m.vocab : m.continuation;
  const std::size_t first = ids.size();
  const std::size_t len = word.size();
  std::size_t start = 0;
  while (start < len) {
    const VocabMap& map = start == 0 ? m.vocab : cont;
    std::size_t end = std::min(len, start + map.max_key_bytes());
    while (end < len && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
    int32_t found = -1;
    while (end > start) {
      found = map.find(word.substr(start, end - start));
      if (found >= 0) break;
      --end;
      while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) --end;
    }
    if (found < 0) {
      ids.resize(first);
      ids.push_back(m.unk_id);
      if (spans.out) spans.out->resize(first_span);
      spans.add(0, len);
      return;
    }
    ids.push_back(found);
    spans.add(start, end);
    start = end;
  }
}

// BertPreTokenizer (split on whitespace, isolate each punctuation character) + WordPiece.
void pretokenize_and_wordpiece(const ModelData& m, std::string_view s, std::vector<int32_t>& ids,
                               const Spans& spans) {
  if (m.pre_tokenizer == PreTokenizerKind::none) {
    wordpiece(m, s, ids, spans);
    return;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t word = 0;  // start of the current word
  std::size_t i = 0;
  while (i < n) {
    const unsigned b = p[i];
    if (b < 0x80) {
      const uint8_t k = kAsciiClass[b];
      if (k & (kAsciiSpace | kAsciiPunct)) {
        if (word < i) wordpiece(m, s.substr(word, i - word), ids, spans.shifted(word));
        if (k & kAsciiPunct) wordpiece(m, s.substr(i, 1), ids, spans.shifted(i));
        word = i + 1;
      }
      ++i;
      continue;
    }
    std::size_t len;
    const char32_t c = decode_utf8(p + i, len);
    if (is_whitespace(c) || is_punctuation(c)) {
      if (word < i) wordpiece(m, s.substr(word, i - word), ids, spans.shifted(word));
      if (!is_whitespace(c)) wordpiece(m, s.substr(i, len), ids, spans.shifted(i));
      word = i + len;
    }
    i += len;
  }
  if (word < n) wordpiece(m, s.substr(word), ids, spans.shifted(word));
}

bool is_word_char(char32_t c) {
  if (c == '_') return true;
  const auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) ||
         (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO);
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

// Splits `s` on the added tokens in `tokens` (leftmost-longest, like `tokenizers`), calling
// on_text(piece) for the text between them (a view into `s`) and on_token(id, begin, end) for
// each match, with its byte range in `s` (stripped whitespace included).
template <class OnText, class OnToken>
void split_added(const AddedSet& set, std::string_view s, OnText&& on_text, OnToken&& on_token) {
  const std::vector<AddedToken>& tokens = set.tokens;
  if (tokens.empty()) {
    on_text(s);
    return;
  }
  std::size_t done = 0;  // end of what has been emitted
  std::size_t pos = 0;
  while (pos < s.size()) {
    // Leftmost-longest: the first position where some token matches, the longest there.
    const AddedToken* best = nullptr;
    for (; pos < s.size(); ++pos) {
      if (!set.first_byte[static_cast<unsigned char>(s[pos])]) continue;
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
        while (j > done && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
        std::size_t len;
        if (!is_whitespace(decode_utf8(reinterpret_cast<const unsigned char*>(s.data()) + j, len)))
          break;
        k = j;
      }
      start = k;
    }
    if (best->rstrip) {
      while (stop < s.size()) {
        std::size_t len;
        const char32_t c =
            decode_utf8(reinterpret_cast<const unsigned char*>(s.data()) + stop, len);
        if (!is_whitespace(c)) break;
        stop += len;
      }
      pos = stop;
    }
    if (done < start) on_text(s.substr(done, start - done));
    on_token(best->id, start, stop);
    done = stop;
  }
  if (done < s.size()) on_text(s.substr(done));
}

}  // namespace

void encode_sequence(const ModelData& m, std::string_view text, Scratch& scratch,
                     std::vector<int32_t>& ids, std::vector<std::pair<std::size_t, std::size_t>>* offsets) {
  Alignment* align = offsets ? &scratch.align : nullptr;
  split_added(
      m.raw_added, text,
      [&](std::string_view piece) {
        const auto piece_at = static_cast<std::size_t>(piece.data() - text.data());
        scratch.norm.clear();
        if (align) align->out.clear();
        normalize(m.normalizer, piece, scratch.norm, scratch.pending, align);
        if (align) scratch.spans.clear();
        const Spans spans{align ? &scratch.spans : nullptr, 0};
        split_added(
            m.normalized_added, scratch.norm,
            [&](std::string_view part) {
              pretokenize_and_wordpiece(m, part, ids, spans.shifted(static_cast<std::size_t>(part.data() - scratch.norm.data())));
            },
            [&](int32_t id, std::size_t begin, std::size_t end) {
              ids.push_back(id);
              spans.add(begin, end);
            });
        if (!offsets) return;
        // Normalized byte ranges back to the text's: the first byte's character to the last's.
        for (const SourceSpan& sp : scratch.spans) {
          offsets->emplace_back(piece_at + align->out[sp.begin].begin, piece_at + align->out[sp.end - 1].end);
        }
      },
      [&](int32_t id, std::size_t begin, std::size_t end) {
        ids.push_back(id);
        if (offsets) offsets->emplace_back(begin, end);
      });
}

}  // namespace bertc::tokenizer
