// The pre-tokenizers of `tokenizers` other than ByteLevel: BertPreTokenizer, Whitespace,
// WhitespaceSplit, Punctuation, Digits, Split, Metaspace and Sequence.
#include <algorithm>
#include <memory>

#include "tokenizer/components.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

// Emits the pieces of `in` given the sorted, non-overlapping matches in buf.ranges, per `behavior`, as
// `tokenizers`' NormalizedString::split does: the text is cut into matches and the gaps between
// them, then matches are dropped, kept alone, merged into the piece before or after (a match
// only joins a gap, not another match) or, contiguous, runs of the same kind become one piece.
// Empty pieces are dropped. `invert` swaps what is a match and what is a gap.
// The buffer is the caller's depth's: a nested split (a Sequence) uses its own.
void split_matches(const Piece& in, PreTokenizeScratch::Buffer& buf, SplitBehavior behavior,
                   EmitPiece emit, bool invert = false) {
  using Part = PreTokenizeScratch::Part;
  std::vector<Part>& parts = buf.parts;
  parts.clear();
  std::size_t done = 0;
  for (const auto& [b, e] : buf.ranges) {
    if (b > done) parts.push_back({done, b, false});
    parts.push_back({b, e, true});
    done = e;
  }
  if (done < in.text.size()) parts.push_back({done, in.text.size(), false});
  if (invert) {
    for (Part& p : parts) p.match = !p.match;
  }
  std::vector<Part>& out = buf.kept;
  out.clear();
  bool previous = false;  // whether the part before (after, for merged_with_next) was a match
  switch (behavior) {
    case SplitBehavior::removed:
      for (const Part& p : parts) {
        if (!p.match) out.push_back(p);
      }
      break;
    case SplitBehavior::isolated:
      out = parts;
      break;
    case SplitBehavior::merged_with_previous:
      for (const Part& p : parts) {
        if (p.match && !previous && !out.empty()) {
          out.back().end = p.end;
        } else {
          out.push_back(p);
        }
        previous = p.match;
      }
      break;
    case SplitBehavior::merged_with_next:
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        if (it->match && !previous && !out.empty()) {
          out.back().begin = it->begin;
        } else {
          out.push_back(*it);
        }
        previous = it->match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::contiguous:
      for (std::size_t k = 0; k < parts.size(); ++k) {
        if (k > 0 && parts[k].match == parts[k - 1].match) {
          out.back().end = parts[k].end;
        } else {
          out.push_back(parts[k]);
        }
      }
      break;
  }
  for (const Part& p : out) {
    if (p.end > p.begin) emit(in.sub(p.begin, p.end));
  }
}

// Collects the range of each character for which pred(c) holds.
template <class Pred>
void char_matches(std::string_view s, Ranges& out, Pred&& pred) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len;
    if (pred(decode_utf8(p + i, len))) out.emplace_back(i, i + len);
    i += len;
  }
}

class BertPreTokenizer final : public PreTokenizer {
 public:
  void split(const Piece& in, PreTokenizeScratch&, std::size_t, EmitPiece emit) const override {
    const auto* p = reinterpret_cast<const unsigned char*>(in.text.data());
    const std::size_t n = in.text.size();
    std::size_t word = 0;  // start of the current word
    std::size_t i = 0;
    while (i < n) {
      const unsigned b = p[i];
      if (b < 0x80) {
        const uint8_t k = kAsciiClass[b];
        if (k & (kAsciiSpace | kAsciiPunct)) {
          if (word < i) emit(in.sub(word, i));
          if (k & kAsciiPunct) emit(in.sub(i, i + 1));
          word = i + 1;
        }
        ++i;
        continue;
      }
      std::size_t len;
      const char32_t c = decode_utf8(p + i, len);
      if (is_whitespace(c) || is_punctuation(c)) {
        if (word < i) emit(in.sub(word, i));
        if (!is_whitespace(c)) emit(in.sub(i, i + len));
        word = i + len;
      }
      i += len;
    }
    if (word < n) emit(in.sub(word, n));
  }
};

class WhitespaceSplitPreTokenizer final : public PreTokenizer {
 public:
  void split(const Piece& in, PreTokenizeScratch&, std::size_t, EmitPiece emit) const override {
    const auto* p = reinterpret_cast<const unsigned char*>(in.text.data());
    std::size_t word = 0;
    for (std::size_t i = 0; i < in.text.size();) {
      std::size_t len;
      if (is_whitespace(decode_utf8(p + i, len))) {
        if (word < i) emit(in.sub(word, i));
        word = i + len;
      }
      i += len;
    }
    if (word < in.text.size()) emit(in.sub(word, in.text.size()));
  }
};

// Oniguruma's Unicode \w: letters, marks, decimal digits, connector punctuation.
bool is_word_char(char32_t c) {
  if (c < 0x80) return is_letter(c) || is_number(c) || c == '_';
  return is_letter(c) || is_mark(c) || is_decimal_digit(c) || is_connector_punctuation(c);
}

class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  // \w+|[^\w\s]+: runs of word characters and runs of other non-space characters.
  void split(const Piece& in, PreTokenizeScratch&, std::size_t, EmitPiece emit) const override {
    const auto* p = reinterpret_cast<const unsigned char*>(in.text.data());
    std::size_t start = 0;
    int run = 0;  // 0: none, 1: word, 2: other
    for (std::size_t i = 0; i < in.text.size();) {
      std::size_t len;
      const char32_t c = decode_utf8(p + i, len);
      const int kind = is_word_char(c) ? 1 : is_whitespace(c) ? 0 : 2;
      if (kind != run) {
        if (run != 0) emit(in.sub(start, i));
        start = i;
        run = kind;
      }
      i += len;
    }
    if (run != 0) emit(in.sub(start, in.text.size()));
  }
};

class PunctuationPreTokenizer final : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior b) : behavior_(b) {}
  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    PreTokenizeScratch::Buffer& buf = scratch.at(depth);
    char_matches(in.text, buf.ranges, [](char32_t c) { return is_punctuation(c); });
    split_matches(in, buf, behavior_, emit);
  }

 private:
  SplitBehavior behavior_;
};

class DigitsPreTokenizer final : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    PreTokenizeScratch::Buffer& buf = scratch.at(depth);
    char_matches(in.text, buf.ranges, [](char32_t c) { return is_decimal_digit(c); });
    split_matches(in, buf, individual_ ? SplitBehavior::isolated : SplitBehavior::contiguous, emit);
  }

 private:
  bool individual_;
};

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(const std::string& pattern, bool regex, SplitBehavior behavior, bool invert,
                    const std::string& where)
      : literal_(pattern), behavior_(behavior), invert_(invert) {
    if (regex) regex_ = std::make_unique<Regex>(pattern, where + ": Split");
  }
  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    PreTokenizeScratch::Buffer& buf = scratch.at(depth);
    Ranges& m = buf.ranges;
    m.clear();
    if (regex_) {
      regex_->find_all(in.text, [&](std::size_t b, std::size_t e) { m.emplace_back(b, e); });
    } else if (!literal_.empty()) {
      for (std::size_t at = in.text.find(literal_); at != std::string_view::npos;
           at = in.text.find(literal_, at + literal_.size())) {
        m.emplace_back(at, at + literal_.size());
      }
    }
    split_matches(in, buf, behavior_, emit, invert_);
  }

 private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme prepend, bool split)
      : rep_(std::move(replacement)), prepend_(prepend), split_(split) {}

  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    PreTokenizeScratch::Buffer& buf = scratch.at(depth);
    buf.text.clear();
    buf.spans.clear();
    const bool spans = in.spans != nullptr;
    // Spaces become the replacement; the prefix takes the first character's span.
    // (after the spaces are replaced: a leading space counts as a leading replacement)
    const bool starts_with_rep = in.text.starts_with(rep_) || in.text.starts_with(' ');
    const bool prepend = !in.text.empty() && !rep_.empty() && !starts_with_rep &&
                         (prepend_ == PrependScheme::always ||
                          (prepend_ == PrependScheme::first && in.at_start));
    if (prepend) {
      buf.text.append(rep_);
      if (spans) {
        std::size_t len;
        decode_utf8(reinterpret_cast<const unsigned char*>(in.text.data()), len);
        buf.spans.insert(buf.spans.end(), rep_.size(),
                         SourceSpan{in.spans[0].begin, in.spans[len - 1].end});
      }
    }
    for (std::size_t i = 0; i < in.text.size(); ++i) {
      if (in.text[i] == ' ') {
        buf.text.append(rep_);
        if (spans) buf.spans.insert(buf.spans.end(), rep_.size(), in.spans[i]);
      } else {
        buf.text.push_back(in.text[i]);
        if (spans) buf.spans.push_back(in.spans[i]);
      }
    }
    const Piece out{buf.text, spans ? buf.spans.data() : nullptr, in.at_start};
    if (!split_ || rep_.empty()) {
      if (!buf.text.empty()) emit(out);
      return;
    }
    // Each replacement starts a new piece (MergedWithNext).
    std::size_t start = 0;
    for (std::size_t at = buf.text.find(rep_, 1); at != std::string::npos;
         at = buf.text.find(rep_, at + rep_.size())) {
      emit(out.sub(start, at));
      start = at;
    }
    emit(out.sub(start, buf.text.size()));
  }

 private:
  std::string rep_;
  PrependScheme prepend_;
  bool split_;
};

// Each step splits the pieces of the one before.
class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    run(0, in, scratch, depth, emit);
  }
  std::size_t buffers() const override {
    std::size_t n = 0;
    for (const auto& s : steps_) n += s->buffers();
    return n;
  }

 private:
  void run(std::size_t k, const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
           EmitPiece emit) const {
    if (k == steps_.size()) {
      emit(in);
      return;
    }
    steps_[k]->split(in, scratch, depth, [&](const Piece& p) {
      run(k + 1, p, scratch, depth + steps_[k]->buffers(), emit);
    });
  }

  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() {
  return std::make_unique<BertPreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer() {
  return std::make_unique<WhitespacePreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<WhitespaceSplitPreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior) {
  return std::make_unique<PunctuationPreTokenizer>(behavior);
}
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits) {
  return std::make_unique<DigitsPreTokenizer>(individual_digits);
}
std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const std::string& pattern, bool regex,
                                                       SplitBehavior behavior, bool invert,
                                                       const std::string& where) {
  return std::make_unique<SplitPreTokenizer>(pattern, regex, behavior, invert, where);
}
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(std::string replacement,
                                                           PrependScheme prepend, bool split) {
  return std::make_unique<MetaspacePreTokenizer>(std::move(replacement), prepend, split);
}
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(
    std::vector<std::unique_ptr<PreTokenizer>> steps) {
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

}  // namespace bertc::tokenizer
