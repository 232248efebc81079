#include "bertc/tensor.h"

#include <cstdlib>
#include <cstring>

#include "base/checked_math.h"
#include "bertc/error.h"

namespace bertc {

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 4;
    case DType::kF64: return 8;
    case DType::kI8: return 1;
    case DType::kU8: return 1;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
    case DType::kBool: return 1;
  }
  throw Error("invalid dtype code " + std::to_string(static_cast<int>(dtype)));
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "float32";
    case DType::kF64: return "float64";
    case DType::kI8: return "int8";
    case DType::kU8: return "uint8";
    case DType::kI32: return "int32";
    case DType::kI64: return "int64";
    case DType::kBool: return "bool";
  }
  return "invalid";
}

int64_t dims_numel(std::span<const int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

std::string dims_str(std::span<const int64_t> dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

Tensor Tensor::empty(DType dtype, Dims shape) {
  try {
    base::checked_nbytes(shape, dtype_size(dtype), "tensor");
  } catch (const Error&) {
    throw Error("cannot allocate a tensor of shape " + dims_str(shape) + ": negative or too large");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  size_t bytes = t.nbytes();
  size_t padded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, padded ? padded : 64);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
  std::memset(p, 0, padded ? padded : 64);
  t.holder_ = std::shared_ptr<void>(p, std::free);
  t.data_ = p;
  return t;
}

Tensor Tensor::view(DType dtype, Dims shape, void* data, std::shared_ptr<const void> holder) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.holder_ = std::move(holder);
  return t;
}

Tensor Tensor::copy_of(const Tensor& src) {
  Tensor t = empty(src.dtype(), src.shape());
  if (src.nbytes()) std::memcpy(t.raw(), src.raw(), src.nbytes());
  return t;
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    switch (dtype_) {
      case DType::kI64: out[i] = data<int64_t>()[i]; break;
      case DType::kI32: out[i] = data<int32_t>()[i]; break;
      case DType::kI8: out[i] = data<int8_t>()[i]; break;
      case DType::kU8: out[i] = data<uint8_t>()[i]; break;
      case DType::kBool: out[i] = data<bool>()[i]; break;
      default: throw Error(std::string("expected an integer tensor, got ") + dtype_name(dtype_));
    }
  }
  return out;
}

}  // namespace bertc
