// SentencePiece's Precompiled normalizer, as `tokenizers` runs it.
//
// The charsmap blob: a little-endian uint32 trie size in bytes, the trie (a darts-clone double
// array of uint32 units keyed by UTF-8 bytes) and a pool of NUL-terminated replacement strings;
// a trie value is the offset of a replacement in the pool. Normalization walks the text one
// extended grapheme cluster at a time: a cluster under 6 bytes is replaced whole when a rule
// matches a prefix of it (the shortest matching rule, as in `tokenizers`); otherwise each of its
// characters is replaced by its own rule or kept. Source spans follow `tokenizers`' alignment
// rules exactly (see align()).
#include <cstring>

#include "bertc/error.h"
#include "tokenizer/components.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode.h"

namespace bertc::tokenizer {

namespace {

class PrecompiledNormalizer final : public Normalizer {
 public:
  PrecompiledNormalizer(std::string blob, const std::string& where) {
    if (blob.size() < 4) {
      throw Error(where + ": precompiled_charsmap is truncated (" + std::to_string(blob.size()) +
                  " bytes, not even the trie size)");
    }
    uint32_t trie_bytes;
    std::memcpy(&trie_bytes, blob.data(), 4);  // little-endian, like x86-64
    if (trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4 || trie_bytes == 0) {
      throw Error(where + ": precompiled_charsmap is truncated or corrupt: its trie size is " +
                  std::to_string(trie_bytes) + " bytes, with " + std::to_string(blob.size() - 4) +
                  " bytes after the size field");
    }
    units_.resize(trie_bytes / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_bytes);
    pool_ = blob.substr(4 + trie_bytes);
    const std::size_t bad = find_invalid_utf8(pool_);
    if (bad != std::string::npos) {
      throw Error(where + ": precompiled_charsmap: its replacement strings are not valid UTF-8 (at "
                  "byte " + std::to_string(bad) + " of the pool)");
    }
    for (int c = 0; c < 128; ++c) {
      const char ch = static_cast<char>(c);
      std::string_view norm;
      ascii_[c].has = transform(std::string_view(&ch, 1), norm);
      ascii_[c].norm = norm;
    }
  }

  void normalize(std::string_view in, std::string& out, std::vector<SourceSpan>* spans,
                 NormalizeScratch&) const override {
    // With spans: each output character and its `tokenizers` change (see align()).
    thread_local std::vector<Change> changes;
    changes.clear();
    // Appends `norm` in place of `old_chars` characters, as `tokenizers`' replace() records it.
    auto replace = [&](std::string_view norm, std::size_t old_chars) {
      out.append(norm);
      if (!spans) return;
      const std::size_t first = changes.size();
      const auto* q = reinterpret_cast<const unsigned char*>(norm.data());
      for (std::size_t k = 0; k < norm.size();) {
        std::size_t len;
        decode_utf8(q + k, len);
        changes.push_back({static_cast<uint32_t>(len), 0});
        k += len;
      }
      const auto diff = static_cast<std::ptrdiff_t>(changes.size() - first) -
                        static_cast<std::ptrdiff_t>(old_chars);
      if (diff > 0) {
        for (std::ptrdiff_t k = 0; k < diff; ++k) changes[changes.size() - 1 - k].change = 1;
      } else if (diff < 0 && !changes.empty()) {
        changes.back().change += static_cast<int32_t>(diff);
      }
    };
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    std::size_t i = 0;
    while (i < in.size()) {
      // An ASCII character followed by another (or the end) is a cluster of its own, unless it
      // is CR before LF.
      if (p[i] < 0x80 && p[i] != '\r' && (i + 1 == in.size() || p[i + 1] < 0x80)) {
        const AsciiRule& r = ascii_[p[i]];
        replace(r.has ? std::string_view(r.norm) : in.substr(i, 1), 1);
        ++i;
        continue;
      }
      const std::size_t end = grapheme_end(in, i);
      std::string_view norm;
      if (end - i < 6 && transform(in.substr(i, end - i), norm)) {
        replace(norm, count_chars(in.substr(i, end - i)));
        i = end;
        continue;
      }
      while (i < end) {
        std::size_t len;
        decode_utf8(p + i, len);
        if (!transform(in.substr(i, len), norm)) norm = in.substr(i, len);
        replace(norm, 1);
        i += len;
      }
    }
    if (spans) align(in, changes, *spans);
  }

 private:
  // The replacement of the shortest rule matching a prefix of `chunk`, if any.
  bool transform(std::string_view chunk, std::string_view& norm) const {
    std::size_t node = 0;
    uint32_t unit = units_[0];
    node ^= offset(unit);
    for (unsigned char c : chunk) {
      if (c == 0) return false;
      node ^= c;
      if (node >= units_.size()) return false;
      unit = units_[node];
      if (label(unit) != c) return false;
      node ^= offset(unit);
      if (node >= units_.size()) return false;
      if (has_leaf(unit)) {
        const std::size_t at = value(units_[node]);
        if (at >= pool_.size() || (static_cast<unsigned char>(pool_[at]) & 0xC0) == 0x80) {
          return false;  // a rule pointing outside the pool or into a character
        }
        const std::size_t stop = pool_.find('\0', at);
        norm = std::string_view(pool_).substr(at, stop == std::string::npos ? stop : stop - at);
        return true;
      }
    }
    return false;
  }

  struct Change {
    uint32_t bytes;  // the output character's UTF-8 length
    int32_t change;  // 1: inserted; 0: takes the next input character; -k: then drops k more
  };
  // `tokenizers`' NormalizedString::transform: output characters take the input characters in
  // order (an inserted one copies the span before it), whatever they were made from. A removal
  // with nothing before it to attach to is lost, which shifts the rest of the alignment; the
  // offsets Hugging Face reports have that shift, and so do these.
  static void align(std::string_view in, const std::vector<Change>& changes,
                    std::vector<SourceSpan>& spans) {
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    auto char_at = [&](std::size_t at) {
      std::size_t len;
      decode_utf8(p + at, len);
      return SourceSpan{static_cast<uint32_t>(at), static_cast<uint32_t>(at + len)};
    };
    std::size_t at = 0;      // the next input character
    SourceSpan last{0, 0};   // the span of the byte before `at`
    for (const Change& c : changes) {
      SourceSpan span = last;
      if (c.change <= 0 && at < in.size()) {
        span = char_at(at);
        at = span.end;
        last = span;
        for (int32_t k = 0; k < -c.change && at < in.size(); ++k) {
          last = char_at(at);
          at = last.end;
        }
      }
      spans.insert(spans.end(), c.bytes, span);
    }
  }

  static bool has_leaf(uint32_t u) { return ((u >> 8) & 1) != 0; }
  static uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
  static uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
  static std::size_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

  std::vector<uint32_t> units_;
  std::string pool_;
  // The rule of each ASCII character alone (the common case, looked up once).
  struct AsciiRule {
    bool has = false;
    std::string norm;
  };
  AsciiRule ascii_[128];
};

}  // namespace

std::unique_ptr<Normalizer> make_precompiled_normalizer(std::string blob, const std::string& where) {
  return std::make_unique<PrecompiledNormalizer>(std::move(blob), where);
}

}  // namespace bertc::tokenizer
