// Feeds the bytes as model.onnx, beside the external weights of the bert_opset14_external
// fixture (so its graph, a seed, imports whole), to bertc::compile at -O0 — the ONNX importer,
// shape inference and the verifier — and, when that compiles, at -O3: every pass (fusions that
// evaluate subgraphs, such as MPNet's position bias, included). Every input must compile or
// throw bertc::Error.
#include "bertc/error.h"
#include "bertc/compile.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path model = [] {
    fz::fs::copy_file(fz::source_path("tests/fixtures/bert_opset14_external/model.onnx.data"),
                      fz::temp_dir() / "model.onnx.data", fz::fs::copy_options::overwrite_existing);
    return fz::temp_dir() / "model.onnx";
  }();
  fz::write_file(model, fz::as_view(data, size));
  try {
    bertc::compile(model.string(), {.opt_level = 0});
    bertc::compile(model.string(), {.opt_level = 3});
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
