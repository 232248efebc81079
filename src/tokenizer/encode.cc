// The encoding of one sequence: added tokens, normalizer, more added tokens, pre-tokenizer,
// model; offsets, word indices and byte-level offset trimming along the way.
#include "bertc/error.h"
#include "tokenizer/added_tokens.h"
#include "tokenizer/model.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// The numbers of spaces at the ends of a token's text ('Ġ' or White_Space); each end is
// counted on its own, as `tokenizers` does (a token of spaces only has both).
struct Spaces {
  std::size_t lead = 0, trail = 0;
};

Spaces spaces_of(std::string_view token) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  auto space = [](char32_t c) { return c == 0x120 || is_whitespace(c); };
  Spaces s;
  for (std::size_t i = 0; i < token.size(); ++s.lead) {
    std::size_t len;
    if (!space(decode_utf8(p + i, len))) break;
    i += len;
  }
  for (std::size_t end = token.size(); end > 0; ++s.trail) {
    std::size_t k = end - 1;
    while (k > 0 && (p[k] & 0xC0) == 0x80) --k;
    std::size_t len;
    if (!space(decode_utf8(p + k, len))) break;
    end = k;
  }
  return s;
}

// `tokenizers`' byte-level process_offsets on [begin, end) of `text`. It counts in characters of
// the original text (its offsets are character offsets): the start moves `lead` characters right,
// the end `trail` characters left, neither past the other.
void trim_offsets(std::string_view text, const Spaces& s, bool keep_one_lead, std::size_t& begin,
                  std::size_t& end) {
  if (s.lead > 0 && !keep_one_lead) {
    for (std::size_t k = 0; k < s.lead && begin < end; ++k) {
      ++begin;
      while (begin < end && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) ++begin;
    }
  }
  if (s.trail > 0) {
    std::size_t e = end, k = 0;
    for (; k < s.trail && e > 0; ++k) {
      --e;
      while (e > 0 && (static_cast<unsigned char>(text[e]) & 0xC0) == 0x80) --e;
    }
    if (k == s.trail) end = std::max(e, begin);  // only when the end is at least `trail` in
  }
}

}  // namespace

void encode_sequence(const ModelData& m, std::string_view text, Scratch& scratch,
                     SequenceTokens& out, bool offsets) {
  const bool spans = offsets || m.needs_spans;
  const std::size_t first = out.ids.size();
  int64_t word = 0;
  // Records the offsets of token `index` (its text: `token`) and its word; trims them as
  // `tokenizers`' byte-level process_offsets does.
  auto place = [&](std::size_t index, std::size_t begin, std::size_t end, std::string_view token) {
    if (m.post.trim_offsets) {
      const Spaces s = spaces_of(token);
      // With add_prefix_space, the one space before the first token is the one that was added.
      const bool is_first = index == first || begin == 0;
      trim_offsets(text, s, is_first && m.post.add_prefix_space && s.lead == 1, begin, end);
    }
    out.offsets.emplace_back(begin, end);
    out.words.push_back(word);
  };
  // An added token matched at [begin, end) of `from`, which is [src_begin, src_end) of the text.
  auto added = [&](std::string_view from, std::size_t begin, std::size_t end, int32_t id,
                   std::size_t src_begin, std::size_t src_end) {
    out.ids.push_back(id);
    if (offsets) place(out.ids.size() - 1, src_begin, src_end, from.substr(begin, end - begin));
    ++word;
  };
  split_added(
      m.raw_added, text,
      [&](std::string_view piece) {
        const auto piece_at = static_cast<std::size_t>(piece.data() - text.data());
        // The normalized text and each byte's span in `piece`.
        std::string_view norm = piece;
        std::vector<SourceSpan>& norm_spans = scratch.norm_spans;
        norm_spans.clear();
        if (m.normalizer) {
          scratch.norm.clear();
          m.normalizer->normalize(piece, scratch.norm, spans ? &norm_spans : nullptr,
                                  scratch.normalize);
          norm = scratch.norm;
        } else if (spans) {
          append_identity_spans(piece, norm_spans);
        }
        auto on_word = [&](const Piece& w) {
          std::vector<SourceSpan>* ws = offsets ? &scratch.word_spans : nullptr;
          if (ws) ws->clear();
          const std::size_t from = out.ids.size();
          m.model->tokenize(w.text, out.ids, ws);
          for (std::size_t k = 0; ws && k < ws->size(); ++k) {
            const SourceSpan s = (*ws)[k];
            const auto id = static_cast<std::size_t>(out.ids[from + k]);
            place(from + k, piece_at + w.spans[s.begin].begin, piece_at + w.spans[s.end - 1].end,
                  m.id_to_token[id]);
          }
          ++word;
        };
        split_added(
            m.normalized_added, norm,
            [&](std::string_view part) {
              const auto at = static_cast<std::size_t>(part.data() - norm.data());
              const Piece normalized{norm, spans ? norm_spans.data() : nullptr, piece_at == 0};
              const Piece whole = normalized.sub(at, at + part.size());
              if (m.pre_tokenizer) {
                m.pre_tokenizer->split(whole, scratch.pre, 0, on_word);
              } else {
                on_word(whole);
              }
            },
            [&](const AddedToken& t, std::size_t begin, std::size_t end) {
              std::size_t sb = 0, se = 0;
              if (spans) {
                sb = piece_at + norm_spans[begin].begin;
                se = piece_at + norm_spans[end - 1].end;
              }
              added(norm, begin, end, t.id, sb, se);
            });
      },
      [&](const AddedToken& t, std::size_t begin, std::size_t end) {
        added(text, begin, end, t.id, begin, end);
      });
}

}  // namespace bertc::tokenizer
