// Feeds the bytes as a .npy file to bertc::read_npy. Every input must read or throw
// bertc::Error; a tensor that reads must hold numel() elements of its dtype.
#include "bertc/error.h"
#include "bertc/npy.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path path = fz::temp_dir() / "input.npy";
  fz::write_file(path, fz::as_view(data, size));
  try {
    const bertc::Tensor t = bertc::read_npy(path.string());
    volatile uint8_t sum = 0;  // touch every byte, so ASan checks the allocation
    for (size_t i = 0; i < t.nbytes(); ++i) sum = sum + static_cast<const uint8_t*>(t.raw())[i];
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
