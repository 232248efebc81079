// Feeds the bytes as config.json of a Hugging Face folder whose model.safetensors is the
// committed tests/fixtures/hf/bert_cls one, and compiles the folder at -O0 (the HF importer:
// config, weights, metadata). Every input must compile or throw bertc::Error.
#include "bertc/error.h"
#include "bertc/compile.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path dir = [] {
    const fz::fs::path d = fz::temp_dir() / "hf";
    fz::fs::create_directories(d);
    fz::fs::copy_file(fz::source_path("tests/fixtures/hf/bert_cls/model.safetensors"),
                      d / "model.safetensors", fz::fs::copy_options::overwrite_existing);
    return d;
  }();
  fz::write_file(dir / "config.json", fz::as_view(data, size));
  try {
    bertc::compile(dir.string(), {.opt_level = 0});
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
