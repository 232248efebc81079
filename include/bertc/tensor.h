// Tensor: a dtype, a shape and a pointer to dense, C-order data. A Tensor either owns its
// storage (Tensor::empty / Tensor::copy_of) or views storage kept alive by someone else
// (Tensor::view), optionally sharing ownership through `holder` (used for mmapped bundles).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace bertc {

enum class DType : uint8_t { kF32 = 1, kF64, kI8, kU8, kI32, kI64, kBool };

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // "float32", "int64", ...

// Maps C++ element types to DType.
template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kF32; }
template <> constexpr DType dtype_of<double>() { return DType::kF64; }
template <> constexpr DType dtype_of<int8_t>() { return DType::kI8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kU8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kI32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kI64; }
template <> constexpr DType dtype_of<bool>() { return DType::kBool; }

using Dims = std::vector<int64_t>;

int64_t dims_numel(std::span<const int64_t> dims);
std::string dims_str(std::span<const int64_t> dims);  // "[1, 128, 768]"

class Tensor {
 public:
  Tensor() = default;

  // A new zero-filled tensor owning 64-byte aligned storage.
  static Tensor empty(DType dtype, Dims shape);
  // A tensor viewing `data`; `holder` (may be null) keeps the storage alive.
  static Tensor view(DType dtype, Dims shape, void* data, std::shared_ptr<const void> holder = {});
  // A new tensor owning a copy of `src`'s elements.
  static Tensor copy_of(const Tensor& src);
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, Dims shape) {
    Tensor t = empty(dtype_of<T>(), std::move(shape));
    for (size_t i = 0; i < values.size(); ++i) t.data<T>()[i] = values[i];
    return t;
  }

  DType dtype() const { return dtype_; }
  const Dims& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int axis) const { return shape_[static_cast<size_t>(axis)]; }
  int64_t numel() const { return dims_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }
  bool defined() const { return data_ != nullptr || (dtype_ != DType{} && numel() == 0); }

  void* raw() { return data_; }
  const void* raw() const { return data_; }
  template <typename T> T* data() { return static_cast<T*>(data_); }
  template <typename T> const T* data() const { return static_cast<const T*>(data_); }

  // The elements of an integer tensor (any int dtype or bool) widened to int64.
  std::vector<int64_t> to_int64_vector() const;
  const std::shared_ptr<const void>& holder() const { return holder_; }

 private:
  DType dtype_{};
  Dims shape_;
  void* data_ = nullptr;
  std::shared_ptr<const void> holder_;
};

}  // namespace bertc
