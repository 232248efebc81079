// Feeds the bytes as vocab.txt (one token a line, no tokenizer_config.json) to
// bertc::Tokenizer::from_file and, when it loads, encodes a short text and pair. Loading and
// encoding must succeed or throw bertc::Error.
#include "bertc/error.h"
#include "bertc/tokenizer.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path path = fz::temp_dir() / "vocab.txt";
  fz::write_file(path, fz::as_view(data, size));
  try {
    const bertc::Tokenizer tok = bertc::Tokenizer::from_file(path);
    (void)tok.encode("Hello, WORLD! unaffable café [MASK] 中文", "##a b\tc");
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
