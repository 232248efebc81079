// Feeds the bytes as a .bertc bundle to bertc::load_model and, when it loads, runs it on a
// tiny input (every symbolic dim 2, int inputs 0, masks 1). A zero checksum field is replaced
// by the real one, so mutations reach the metadata parser. Every input must load and run, or
// throw bertc::Error.
#include <xxhash.h>

#include <cstring>
#include <optional>

#include "bertc/error.h"
#include "bertc/session.h"
#include "fuzz_util.h"
#include "runtime/bundle.h"

namespace {

// A tensor for `info`, or none when it would be large.
std::optional<bertc::Tensor> tiny_input(const bertc::InputInfo& info) {
  bertc::Dims dims;
  int64_t numel = 1;
  for (const std::string& d : info.dims) {
    const bool number = !d.empty() && d.find_first_not_of("0123456789") == std::string::npos;
    const int64_t n = !number ? 2 : d.size() > 4 ? 100000 : std::stoll(d);
    dims.push_back(n);
    numel *= n;
    if (numel > 4096) return std::nullopt;
  }
  bertc::Tensor t = bertc::Tensor::empty(info.dtype, dims);  // zeros
  if (info.dtype == bertc::DType::kI64 && info.name.find("mask") != std::string::npos) {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<int64_t>()[i] = 1;
  }
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fz = bertc::fuzz;
  static const fz::fs::path path = fz::temp_dir() / "model.bertc";
  std::string bytes(fz::as_view(data, size));
  constexpr size_t kHeader = bertc::runtime::kBundleHeaderBytes, kChecksumAt = 48;
  if (bytes.size() >= kHeader && bytes.substr(kChecksumAt, 8) == std::string(8, '\0')) {
    const uint64_t sum = XXH3_64bits(bytes.data() + kHeader, bytes.size() - kHeader);
    std::memcpy(bytes.data() + kChecksumAt, &sum, 8);
  }
  fz::write_file(path, bytes);
  try {
    bertc::Session session(bertc::load_model(path.string()), {.num_threads = 1});
    for (const bertc::InputInfo& info : session.inputs()) {
      const std::optional<bertc::Tensor> t = tiny_input(info);
      if (!t) return 0;
      session.set_input(info.name, *t);
    }
    session.run();
    for (const std::string& name : session.output_names()) (void)session.get_output(name);
  } catch (const bertc::Error& e) {
    bertc::fuzz::rejected(e);
  }
  return 0;
}
