// The pre-tokenizers of `tokenizers` other than ByteLevel: BertPreTokenizer, Whitespace,
// WhitespaceSplit, Punctuation, Digits, Split, Metaspace and Sequence.
#include <memory>

#include "tokenizer/components.h"
#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;

// Emits the pieces of `in` given the sorted, non-overlapping `matches`, per `behavior`, as
// `tokenizers`' NormalizedString::split does (empty pieces are dropped).
void split_matches(const Piece& in, const Ranges& matches, SplitBehavior behavior, EmitPiece emit) {
  auto out = [&](std::size_t b, std::size_t e) {
    if (e > b) emit(in.sub(b, e));
  };
  std::size_t done = 0;   // end of what has been emitted
  std::size_t start = 0;  // start of the pending piece (merged_with_next, contiguous)
  std::size_t prev_end = std::string::npos;  // end of the previous match (contiguous)
  for (const auto& [b, e] : matches) {
    switch (behavior) {
      case SplitBehavior::removed:
        out(done, b);
        break;
      case SplitBehavior::isolated:
        out(done, b);
        out(b, e);
        break;
      case SplitBehavior::merged_with_previous:
        out(done, e);
        break;
      case SplitBehavior::merged_with_next:
        out(start, b);
        start = b;
        break;
      case SplitBehavior::contiguous:
        if (prev_end != b) {  // a new run of matches
          out(start, b);
          start = b;
        }
        prev_end = e;
        break;
    }
    done = e;
  }
  if (behavior == SplitBehavior::merged_with_next) {
    out(start, in.text.size());
  } else if (behavior == SplitBehavior::contiguous) {
    if (prev_end == std::string::npos) {
      out(0, in.text.size());
    } else {
      out(start, prev_end);
      out(prev_end, in.text.size());
    }
  } else {
    out(done, in.text.size());
  }
}

// Collects the ranges of the characters for which pred(c) holds, one range per character
// (`runs`: one per run of them).
template <class Pred>
void char_matches(std::string_view s, Ranges& out, bool runs, Pred&& pred) {
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len;
    const char32_t c = decode_utf8(p + i, len);
    if (pred(c)) {
      if (runs && !out.empty() && out.back().second == i) {
        out.back().second = i + len;
      } else {
        out.emplace_back(i, i + len);
      }
    }
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
    Ranges& m = scratch.at(depth).ranges;
    char_matches(in.text, m, false, [](char32_t c) { return is_punctuation(c); });
    split_matches(in, m, behavior_, emit);
  }

 private:
  SplitBehavior behavior_;
};

class DigitsPreTokenizer final : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void split(const Piece& in, PreTokenizeScratch& scratch, std::size_t depth,
             EmitPiece emit) const override {
    Ranges& m = scratch.at(depth).ranges;
    char_matches(in.text, m, false, [](char32_t c) { return is_decimal_digit(c); });
    split_matches(in, m, individual_ ? SplitBehavior::isolated : SplitBehavior::contiguous, emit);
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
    Ranges& m = scratch.at(depth).ranges;
    m.clear();
    if (regex_) {
      regex_->find_all(in.text, [&](std::size_t b, std::size_t e) { m.emplace_back(b, e); });
    } else if (!literal_.empty()) {
      for (std::size_t at = in.text.find(literal_); at != std::string_view::npos;
           at = in.text.find(literal_, at + literal_.size())) {
        m.emplace_back(at, at + literal_.size());
      }
    }
    if (invert_) {  // the gaps between matches become the matches
      Ranges gaps;
      std::size_t done = 0;
      for (const auto& [b, e] : m) {
        if (b > done) gaps.emplace_back(done, b);
        done = e;
      }
      if (done < in.text.size()) gaps.emplace_back(done, in.text.size());
      m.swap(gaps);
    }
    split_matches(in, m, behavior_, emit);
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
