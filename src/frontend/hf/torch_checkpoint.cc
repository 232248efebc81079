#include "frontend/hf/torch_checkpoint.h"

#include <cstring>

#include "base/checked_math.h"
#include "bertc/error.h"
#include "frontend/hf/safetensors.h"
#include "frontend/hf/state_dict_pickle.h"
#include "ir/bf16.h"

namespace bertc::frontend::hf {

TorchCheckpoint::TorchCheckpoint(const std::string& path) : archive_(path) {
  const auto& entries = archive_.entries();
  std::string root;
  const std::string_view* pkl = nullptr;
  for (const auto& [name, data] : entries) {
    if (name == "data.pkl" || name.ends_with("/data.pkl")) {
      root = name.substr(0, name.size() - std::string("data.pkl").size());
      pkl = &data;
    }
  }
  if (!pkl) throw Error(path + ": no data.pkl in this archive: not a torch.save checkpoint");
  for (PickledTensor& t : read_state_dict_pickle(*pkl, path + ": " + root + "data.pkl")) {
    View v{root + "data/" + t.storage, t.dtype, t.offset, t.strides};
    auto it = entries.find(v.storage);
    if (it == entries.end()) {
      throw Error(path + ": tensor '" + t.name + "': storage '" + v.storage + "' is missing");
    }
    // The last element the view reaches must lie inside its storage; all of this arithmetic
    // is on numbers from the file, so it is checked.
    const std::string what = path + ": tensor '" + t.name + "' " + dims_str(t.shape);
    const auto elem = static_cast<int64_t>(safetensors_dtype_size(v.dtype));
    if (v.offset < 0) throw Error(what + " has a negative storage offset");
    const int64_t numel = base::checked_numel(t.shape, what);
    int64_t last = v.offset;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (v.strides[d] < 0) throw Error(what + " has a negative stride");
      if (t.shape[d] <= 1) v.strides[d] = 0;  // never stepped along: keep read_f32's index math small
      if (numel > 0) last = base::checked_add(last, base::checked_mul(t.shape[d] - 1, v.strides[d], what), what);
    }
    const int64_t end_byte = base::checked_mul(base::checked_add<int64_t>(last, 1, what), elem, what);
    if (numel > 0 && static_cast<uint64_t>(end_byte) > it->second.size()) {
      throw Error(what + " reaches past the end of its storage '" + v.storage + "' (" +
                  std::to_string(it->second.size()) + " bytes)");
    }
    shapes_[t.name] = t.shape;
    views_[t.name] = std::move(v);
  }
}

Tensor TorchCheckpoint::read_f32(const std::string& name) const {
  const Dims& dims = shape(name);
  const View& v = views_.at(name);
  if (v.dtype != "F32" && v.dtype != "F16" && v.dtype != "BF16" && v.dtype != "F64") {
    throw Error(path() + ": tensor '" + name + "' has dtype " + v.dtype +
                "; a weight must be F32, F16, BF16 or F64");
  }
  const char* src = archive_.entries().at(v.storage).data();
  const size_t elem = safetensors_dtype_size(v.dtype);
  Tensor t = Tensor::empty(DType::kF32, dims);
  float* dst = t.data<float>();
  const int64_t n = t.numel();
  Dims index(dims.size(), 0);
  int64_t at = v.offset;  // element offset of `index` in the storage
  for (int64_t i = 0; i < n; ++i) {
    const char* p = src + static_cast<size_t>(at) * elem;
    if (v.dtype == "F32") {
      std::memcpy(&dst[i], p, 4);
    } else if (v.dtype == "F64") {
      double x;
      std::memcpy(&x, p, 8);
      dst[i] = static_cast<float>(x);
    } else {
      uint16_t h;
      std::memcpy(&h, p, 2);
      dst[i] = v.dtype == "F16" ? f16_to_f32(h) : ir::bf16_to_f32(h);
    }
    for (size_t d = dims.size(); d-- > 0;) {  // next index, C order
      at += v.strides[d];
      if (++index[d] < dims[d]) break;
      at -= v.strides[d] * dims[d];
      index[d] = 0;
    }
  }
  return t;
}

}  // namespace bertc::frontend::hf
