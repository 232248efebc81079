// Feeds the bytes as a SentencePiece precompiled charsmap (the blob a tokenizer.json's
// Precompiled normalizer holds in base64) and, when it loads, normalizes a few fixed texts and
// the input's own bytes made valid UTF-8, with and without source spans. Loading must succeed or
// throw bertc::Error; normalizing must not fail at all.
#include "bertc/error.h"
#include "fuzz_util.h"
#include "tokenizer/components.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/unicode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace tk = bertc::tokenizer;
  const std::string blob(bertc::fuzz::as_view(data, size));
  std::unique_ptr<tk::Normalizer> n;
  try {
    n = tk::make_precompiled_normalizer(blob, "charsmap");
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
    return 0;
  }
  const std::string texts[] = {"xa\xEF\xBD\xB6" "bd", "bcx", "e\xCC\x81\xCC\x88\xCC\x84 \r\n\xE2\x80\x8D",
                               "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 ab", tk::to_valid_utf8(blob)};
  tk::NormalizeScratch scratch;
  for (const std::string& t : texts) {
    std::string out;
    std::vector<tk::SourceSpan> spans;
    n->normalize(t, out, &spans, scratch);
    if (spans.size() != out.size()) __builtin_trap();
    for (const tk::SourceSpan& s : spans) {
      if (s.begin > s.end || s.end > t.size()) __builtin_trap();
    }
    std::string plain;
    n->normalize(t, plain, nullptr, scratch);
    if (plain != out) __builtin_trap();
  }
  return 0;
}
