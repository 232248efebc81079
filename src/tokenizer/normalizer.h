// BertNormalizer, exactly as Hugging Face's `tokenizers` applies it: clean text, pad CJK
// ideographs with spaces, strip accents (NFD, then drop Mn), lower-case (per character).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bertc::tokenizer {

struct NormalizerConfig {
  bool enabled = true;  // false: no normalizer at all (the text passes through)
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;  // already resolved: an unset strip_accents follows lowercase
  bool lowercase = true;
};

// A byte range [begin, end) of the text before normalization.
struct SourceSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
};

// Where normalized bytes came from: `out[k]` is the source character of the k-th byte appended
// to dst (as `tokenizers` aligns them: every byte a character turns into, and the spaces put
// around a CJK ideograph, map to that whole character). `pending` is scratch.
struct Alignment {
  std::vector<SourceSpan> out;
  std::vector<SourceSpan> pending;
};

// Normalizes valid UTF-8 `src` and appends the result to `dst`; with `align`, also appends one
// SourceSpan per byte to align->out. `scratch` is reused between calls to avoid allocations.
void normalize(const NormalizerConfig& cfg, std::string_view src, std::string& dst,
               std::vector<char32_t>& scratch, Alignment* align = nullptr);

}  // namespace bertc::tokenizer
