// Feeds the bytes as pytorch_model.bin to ZipArchive (every entry's bytes are read) and, when
// the archive opens, to TorchCheckpoint (pickle + storage views), reading every tensor as
// float32. Each step must succeed or throw bertc::Error.
#include "bertc/error.h"
#include "frontend/hf/torch_checkpoint.h"
#include "frontend/hf/zip_archive.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  using namespace bertc::frontend::hf;
  static const fz::fs::path path = fz::temp_dir() / "pytorch_model.bin";
  fz::write_file(path, fz::as_view(data, size));
  try {
    (void)is_zip_file(path.string());
    {
      const ZipArchive archive(path.string());
      volatile char sum = 0;
      for (const auto& [name, bytes] : archive.entries()) {
        for (char c : bytes) sum = sum + c;
      }
    }
    bertc::fuzz::read_every_tensor(TorchCheckpoint(path.string()));
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
