// The small normalizers of `tokenizers`: NFC / NFD / NFKC / NFKD, Lowercase, Strip, StripAccents,
// Nmt, Prepend, Replace, and Sequence (which chains any of them).
#include <utf8proc.h>

#include "bertc/error.h"
#include "tokenizer/components.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

// Calls f(c, out) for each character of valid UTF-8 `in` (f appends c's replacement) and gives
// every byte f appended the span of c.
template <class F>
void map_chars(std::string_view in, std::string& out, std::vector<SourceSpan>* spans, F&& f) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t len;
    const char32_t c = decode_utf8(p + i, len);
    const std::size_t before = out.size();
    f(c, out);
    if (spans) {
      spans->insert(spans->end(), out.size() - before,
                    SourceSpan{static_cast<uint32_t>(i), static_cast<uint32_t>(i + len)});
    }
    i += len;
  }
}

// The Unicode normalization forms, one extended grapheme cluster at a time (compositions and
// reorderings never cross one), each output byte mapped to its whole cluster.
class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) {
    int flags = UTF8PROC_STABLE;
    if (form == UnicodeForm::nfc || form == UnicodeForm::nfkc) flags |= UTF8PROC_COMPOSE;
    if (form == UnicodeForm::nfd || form == UnicodeForm::nfkd) flags |= UTF8PROC_DECOMPOSE;
    if (form == UnicodeForm::nfkc || form == UnicodeForm::nfkd) flags |= UTF8PROC_COMPAT;
    flags_ = static_cast<utf8proc_option_t>(flags);
  }
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch& scratch) const override {
    std::vector<char32_t>& buf = scratch.chars;
    std::size_t i = 0;
    while (i < in.size()) {
      if (static_cast<unsigned char>(in[i]) < 0x80 &&
          (i + 1 == in.size() || static_cast<unsigned char>(in[i + 1]) < 0x80)) {
        out.push_back(in[i]);  // ASCII followed by ASCII: a cluster no form changes
        if (spans) spans->push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1)});
        ++i;
        continue;
      }
      const std::size_t end = grapheme_end(in, i);
      const auto* src = reinterpret_cast<const utf8proc_uint8_t*>(in.data() + i);
      const auto n = static_cast<utf8proc_ssize_t>(end - i);
      utf8proc_ssize_t count = utf8proc_decompose(src, n, nullptr, 0, flags_);
      if (count < 0) throw Error("tokenizer: Unicode normalization failed");
      buf.resize(static_cast<std::size_t>(count) + 1);
      auto* b = reinterpret_cast<utf8proc_int32_t*>(buf.data());
      count = utf8proc_decompose(src, n, b, count, flags_);
      const utf8proc_ssize_t bytes = utf8proc_reencode(b, count, flags_);
      if (bytes < 0) throw Error("tokenizer: Unicode normalization failed");
      out.append(reinterpret_cast<const char*>(b), static_cast<std::size_t>(bytes));
      if (spans) {
        spans->insert(spans->end(), static_cast<std::size_t>(bytes),
                      SourceSpan{static_cast<uint32_t>(i), static_cast<uint32_t>(end)});
      }
      i = end;
    }
  }

 private:
  utf8proc_option_t flags_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    map_chars(in, out, spans, [](char32_t c, std::string& o) { append_lowercase(o, c); });
  }
};

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t begin = 0, end = in.size();
    if (left_) {
      while (begin < end) {
        std::size_t len;
        if (!is_whitespace(decode_utf8(p + begin, len))) break;
        begin += len;
      }
    }
    if (right_) {
      while (end > begin) {
        std::size_t k = end - 1;
        while (k > begin && (p[k] & 0xC0) == 0x80) --k;
        std::size_t len;
        if (!is_whitespace(decode_utf8(p + k, len))) break;
        end = k;
      }
    }
    out.append(in.substr(begin, end - begin));
    if (spans) append_identity_spans(in.substr(begin, end - begin), *spans, begin);
  }

 private:
  bool left_, right_;
};

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    map_chars(in, out, spans, [](char32_t c, std::string& o) {
      if (!is_mark(c)) append_utf8(o, c);
    });
  }
};

class NmtNormalizer final : public Normalizer {
 public:
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    map_chars(in, out, spans, [](char32_t c, std::string& o) {
      if ((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F ||
          c == 0x8F || c == 0x9F) {
        return;  // dropped
      }
      const bool space = c == 0x09 || c == 0x0A || c == 0x0C || c == 0x0D || c == 0x1680 ||
                         (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
                         c == 0x2581 || c == 0xFEFF || c == 0xFFFD;
      append_utf8(o, space ? U' ' : c);
    });
  }
};

// `tokenizers`' prepend: the prefix takes the first character's source span.
class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    if (in.empty()) return;
    out.append(prefix_);
    if (spans) {
      std::size_t len;
      decode_utf8(reinterpret_cast<const unsigned char*>(in.data()), len);
      spans->insert(spans->end(), prefix_.size(), SourceSpan{0, static_cast<uint32_t>(len)});
      append_identity_spans(in, *spans);
    }
    out.append(in);
  }

 private:
  std::string prefix_;
};

// `tokenizers`' replace: the replacement's bytes take the span of the match's last character.
class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(const std::string& pattern, bool regex, std::string content,
                    const std::string& where)
      : literal_(pattern), content_(std::move(content)) {
    if (regex) {
      regex_ = std::make_unique<Regex>(pattern, where + ": Replace");
    } else if (pattern.empty()) {
      throw Error(where + ": Replace: the pattern is empty");
    }
  }

  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t done = 0;
    auto keep = [&](std::size_t end) {  // copies in[done, end) unchanged
      out.append(in.substr(done, end - done));
      if (spans) append_identity_spans(in.substr(done, end - done), *spans, done);
    };
    auto replace = [&](std::size_t begin, std::size_t end) {
      keep(begin);
      out.append(content_);
      if (spans) {
        std::size_t k = end - 1;
        while (k > 0 && (p[k] & 0xC0) == 0x80) --k;
        std::size_t len;
        decode_utf8(p + k, len);
        spans->insert(spans->end(), content_.size(),
                      SourceSpan{static_cast<uint32_t>(k), static_cast<uint32_t>(k + len)});
      }
      done = end;
    };
    if (regex_) {
      regex_->find_all(in, replace);
    } else {
      for (std::size_t at = in.find(literal_); at != std::string_view::npos;
           at = in.find(literal_, done)) {
        replace(at, at + literal_.size());
      }
    }
    keep(in.size());
  }

 private:
  std::string literal_;
  std::string content_;
  std::unique_ptr<Regex> regex_;
};

// Runs each step on the previous one's output; the spans are carried back to the input.
class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch& scratch) const override {
    if (steps_.empty()) {
      out.append(in);
      if (spans) append_identity_spans(in, *spans);
      return;
    }
    // cur / cur_spans: the text so far and its spans in `in`'s coordinates.
    std::string cur(in), next;
    std::vector<SourceSpan> cur_spans, next_spans;
    if (spans) append_identity_spans(in, cur_spans);
    for (const auto& step : steps_) {
      next.clear();
      next_spans.clear();
      step->normalize(cur, next, spans ? &next_spans : nullptr, scratch);
      if (spans) {
        for (SourceSpan& s : next_spans) {
          s = s.end > s.begin ? SourceSpan{cur_spans[s.begin].begin, cur_spans[s.end - 1].end}
                              : SourceSpan{0, 0};
        }
        cur_spans.swap(next_spans);
      }
      cur.swap(next);
    }
    out.append(cur);
    if (spans) spans->insert(spans->end(), cur_spans.begin(), cur_spans.end());
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

void append_identity_spans(std::string_view s, std::vector<SourceSpan>& spans, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len;
    decode_utf8(p + i, len);
    spans.insert(spans.end(), len,
                 SourceSpan{static_cast<uint32_t>(at + i), static_cast<uint32_t>(at + i + len)});
    i += len;
  }
}

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}
std::unique_ptr<Normalizer> make_lowercase_normalizer() {
  return std::make_unique<LowercaseNormalizer>();
}
std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right) {
  return std::make_unique<StripNormalizer>(left, right);
}
std::unique_ptr<Normalizer> make_strip_accents_normalizer() {
  return std::make_unique<StripAccentsNormalizer>();
}
std::unique_ptr<Normalizer> make_nmt_normalizer() { return std::make_unique<NmtNormalizer>(); }
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prefix) {
  return std::make_unique<PrependNormalizer>(std::move(prefix));
}
std::unique_ptr<Normalizer> make_replace_normalizer(const std::string& pattern, bool regex,
                                                    std::string content,
                                                    const std::string& where) {
  return std::make_unique<ReplaceNormalizer>(pattern, regex, std::move(content), where);
}
std::unique_ptr<Normalizer> make_sequence_normalizer(
    std::vector<std::unique_ptr<Normalizer>> steps) {
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

}  // namespace bertc::tokenizer
