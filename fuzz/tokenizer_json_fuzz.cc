// Feeds the bytes as tokenizer.json to bertc::Tokenizer::from_file and, when it loads, encodes
// a short text and pair with the file's own truncation and padding (with offsets) and decodes
// the ids. Loading, encoding and decoding must succeed or throw bertc::Error.
#include "bertc/error.h"
#include "bertc/tokenizer.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path path = fz::temp_dir() / "tokenizer.json";
  fz::write_file(path, fz::as_view(data, size));
  try {
    const bertc::Tokenizer tok = bertc::Tokenizer::from_file(path);
    const bertc::EncodeInput batch[] = {{"Hello, WORLD! unaffable café [MASK] 中文"},
                                        {"a b c", "##x d\te"}};
    bertc::TokenizerOptions with_offsets = tok.options();
    with_offsets.return_offsets = true;
    for (const bertc::Encoding& e : tok.encode_batch(batch, with_offsets)) {
      (void)tok.decode(e.ids);
      (void)tok.decode(e.ids, true);
    }
    (void)tok.tokenize("un-affable \xEF\xBD\xB6\xEF\xBE\x9E <mask> <s>the");
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
