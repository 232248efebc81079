// Feeds the bytes as model.safetensors (8-byte header length, JSON header, data) to
// SafetensorsFile, then reads every tensor as float32. Opening and each read must succeed or
// throw bertc::Error (integer tensors cannot be read as weights: an Error too).
#include "bertc/error.h"
#include "frontend/hf/safetensors.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path path = fz::temp_dir() / "model.safetensors";
  fz::write_file(path, fz::as_view(data, size));
  try {
    fz::read_every_tensor(bertc::frontend::hf::SafetensorsFile(path.string()));
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
