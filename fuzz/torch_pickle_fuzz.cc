// Feeds the bytes as data.pkl to the state_dict pickle reader; when it parses, wraps it in a
// torch.save ZIP with a zero-filled storage per key, sized as torch would for the tensors that
// use it, and opens that with TorchCheckpoint, reading every tensor (offset/stride checks).
// Every step must succeed or throw bertc::Error.
#include <algorithm>
#include <map>

#include "bertc/error.h"
#include "frontend/hf/safetensors.h"
#include "frontend/hf/state_dict_pickle.h"
#include "frontend/hf/torch_checkpoint.h"
#include "fuzz_util.h"

namespace {

// A ZIP of stored entries (no CRCs: bertc does not check them).
std::string zip_stored(const std::map<std::string, std::string>& entries) {
  std::string out, dir;
  auto put = [](std::string& s, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  };
  for (const auto& [name, data] : entries) {
    const size_t local = out.size();
    put(out, 0x04034b50, 4), put(out, 20, 2), put(out, 0, 2), put(out, 0, 2), put(out, 0, 4);
    put(out, 0, 4), put(out, data.size(), 4), put(out, data.size(), 4);
    put(out, name.size(), 2), put(out, 0, 2);
    out += name + data;
    put(dir, 0x02014b50, 4), put(dir, 20, 2), put(dir, 20, 2), put(dir, 0, 2), put(dir, 0, 2);
    put(dir, 0, 4), put(dir, 0, 4), put(dir, data.size(), 4), put(dir, data.size(), 4);
    put(dir, name.size(), 2), put(dir, 0, 2), put(dir, 0, 2), put(dir, 0, 2), put(dir, 0, 2);
    put(dir, 0, 4), put(dir, local, 4);
    dir += name;
  }
  const size_t dir_offset = out.size();
  out += dir;
  put(out, 0x06054b50, 4), put(out, 0, 2), put(out, 0, 2), put(out, entries.size(), 2);
  put(out, entries.size(), 2), put(out, dir.size(), 4), put(out, dir_offset, 4), put(out, 0, 2);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  using namespace bertc::frontend::hf;
  static const fz::fs::path path = fz::temp_dir() / "pytorch_model.bin";
  const std::string pickle(fz::as_view(data, size));
  try {
    const std::vector<PickledTensor> tensors = read_state_dict_pickle(pickle, "data.pkl");
    // Storage key -> bytes: offset + numel elements of the largest tensor on it, 2 MB in all.
    std::map<std::string, uint64_t> storage_bytes;
    for (const PickledTensor& t : tensors) {
      uint64_t numel = 1;
      for (int64_t d : t.shape)
        numel = std::min<uint64_t>(numel * std::clamp<int64_t>(d, 0, 1 << 21), 1 << 21);
      const uint64_t elems =
          std::min<uint64_t>(numel + std::clamp<int64_t>(t.offset, 0, 1 << 21), 1 << 21);
      const uint64_t bytes = elems * std::max<size_t>(safetensors_dtype_size(t.dtype), 1);
      storage_bytes[t.storage] = std::max(storage_bytes[t.storage], bytes);
    }
    if (storage_bytes.size() > 1000) return 0;  // a ZIP without ZIP64 holds 65535 entries
    std::map<std::string, std::string> entries{{"archive/data.pkl", pickle},
                                               {"archive/version", "3\n"}};
    uint64_t budget = 2 << 20;
    for (const auto& [key, bytes] : storage_bytes) {
      const uint64_t n = std::min(bytes, budget);
      budget -= n;
      entries["archive/data/" + key] = std::string(n, '\0');
    }
    fz::write_file(path, zip_stored(entries));
    bertc::fuzz::read_every_tensor(TorchCheckpoint(path.string()));
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
