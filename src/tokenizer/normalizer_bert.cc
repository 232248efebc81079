// BertNormalizer, exactly as Hugging Face's `tokenizers` applies it: clean text, pad CJK
// ideographs with spaces, strip accents (NFD, then drop Mn), lower-case (per character).
#include <utf8proc.h>

#include "tokenizer/components.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

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

// Appends one SourceSpan per byte that dst grew by since `before`.
inline void align_bytes(Alignment* align, std::size_t before, const std::string& dst, SourceSpan span) {
  align->out.insert(align->out.end(), dst.size() - before, span);
}

// Puts `pending` (decomposed code points that follow a starter already written) in canonical
// order, drops the non-spacing marks, lower-cases if asked and appends to dst. With `align`,
// align->pending holds each pending code point's source character, reordered with it.
// kAlign: whether `align` is used (the common call, without offsets, pays no branch for it).
template <bool kAlign>
void flush(std::vector<char32_t>& pending, bool lowercase, std::string& dst, Alignment* align) {
  if (pending.empty()) return;
  // Canonical ordering: a stable sort of each run of non-starters by combining class.
  const std::size_t n = pending.size();
  for (std::size_t i = 1; i < n; ++i) {
    const int cc = combining_class(pending[i]);
    if (cc == 0) continue;
    std::size_t j = i;
    const char32_t c = pending[i];
    const SourceSpan from = kAlign ? align->pending[i] : SourceSpan{};
    while (j > 0) {
      const int pc = combining_class(pending[j - 1]);
      if (pc == 0 || pc <= cc) break;
      pending[j] = pending[j - 1];
      if constexpr (kAlign) align->pending[j] = align->pending[j - 1];
      --j;
    }
    pending[j] = c;
    if constexpr (kAlign) align->pending[j] = from;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const char32_t c = pending[i];
    if (is_nonspacing_mark(c)) continue;
    const std::size_t before = dst.size();
    if (lowercase) {
      append_lowercase(dst, c);
    } else {
      append_utf8(dst, c);
    }
    if constexpr (kAlign) align_bytes(align, before, dst, align->pending[i]);
  }
  pending.clear();
  if constexpr (kAlign) align->pending.clear();
}

template <bool kAlign>
void normalize_impl(const BertNormalizerConfig& cfg, std::string_view src, std::string& dst,
                    std::vector<char32_t>& pending, Alignment* align) {
  pending.clear();
  if constexpr (kAlign) align->pending.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(src.data());
  const std::size_t n = src.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned b = p[i];
    if (b < 0x80) {
      flush<kAlign>(pending, cfg.lowercase, dst, align);
      // ASCII run: ASCII characters are starters without decompositions.
      while (i < n && p[i] < 0x80) {
        const auto at = static_cast<uint32_t>(i);
        unsigned c = p[i++];
        if (cfg.clean_text) {
          const uint8_t k = kAsciiClass[c];
          if (k & kAsciiControl) continue;  // includes NUL
          if (k & kAsciiSpace) c = ' ';
        }
        if (cfg.lowercase && c - 'A' < 26u) c += 32;
        dst.push_back(static_cast<char>(c));
        if constexpr (kAlign) align->out.push_back({at, at + 1});
      }
      continue;
    }
    std::size_t len;
    const char32_t c = decode_utf8(p + i, len);
    const SourceSpan span{static_cast<uint32_t>(i), static_cast<uint32_t>(i + len)};
    i += len;
    if (cfg.clean_text) {
      if (c == 0xFFFD || is_control(c)) continue;
      if (is_whitespace(c)) {
        flush<kAlign>(pending, cfg.lowercase, dst, align);
        dst.push_back(' ');
        if constexpr (kAlign) align->out.push_back(span);
        continue;
      }
    }
    const bool cjk = cfg.handle_chinese_chars && is_chinese_char(c);
    if (cjk) {
      flush<kAlign>(pending, cfg.lowercase, dst, align);
      dst.push_back(' ');
      if constexpr (kAlign) align->out.push_back(span);
    }
    const std::size_t before = dst.size();
    if (cfg.strip_accents) {
      const std::size_t had = pending.size();
      decompose(c, pending);
      if constexpr (kAlign) align->pending.insert(align->pending.end(), pending.size() - had, span);
    } else if (cfg.lowercase) {
      append_lowercase(dst, c);
    } else {
      append_utf8(dst, c);
    }
    if constexpr (kAlign) align_bytes(align, before, dst, span);
    if (cjk) {
      flush<kAlign>(pending, cfg.lowercase, dst, align);
      dst.push_back(' ');
      if constexpr (kAlign) align->out.push_back(span);
    }
  }
  flush<kAlign>(pending, cfg.lowercase, dst, align);
}

class BertNormalizer final : public Normalizer {
 public:
  explicit BertNormalizer(const BertNormalizerConfig& config) : config_(config) {}
  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch& scratch) const override {
    if (spans == nullptr) {
      normalize_impl<false>(config_, in, out, scratch.chars, nullptr);
      return;
    }
    // The alignment is built in scratch.align.out, then appended.
    scratch.align.out.clear();
    normalize_impl<true>(config_, in, out, scratch.chars, &scratch.align);
    spans->insert(spans->end(), scratch.align.out.begin(), scratch.align.out.end());
  }

 private:
  BertNormalizerConfig config_;
};

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerConfig& config) {
  return std::make_unique<BertNormalizer>(config);
}

}  // namespace bertc::tokenizer
