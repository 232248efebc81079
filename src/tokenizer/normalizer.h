// BertNormalizer, exactly as Hugging Face's `tokenizers` applies it: clean text, pad CJK
// ideographs with spaces, strip accents (NFD, then drop Mn), lower-case (per character).
#pragma once

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

// Normalizes valid UTF-8 `src` and appends the result to `dst`. `scratch` is reused between calls
// to avoid allocations.
void normalize(const NormalizerConfig& cfg, std::string_view src, std::string& dst,
               std::vector<char32_t>& scratch);

}  // namespace bertc::tokenizer
