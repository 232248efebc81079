// Overflow-checked size arithmetic. Every size, offset, stride and element count that comes
// from a file, a flag or a caller goes through these before it is used to allocate or to
// index, so a hostile number becomes a bertc::Error naming `what`, never a wrapped value.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "bertc/error.h"

namespace bertc::base {

[[noreturn]] void throw_overflow(const std::string& what);

template <typename T>
T checked_add(T a, T b, const std::string& what) {
  static_assert(std::is_integral_v<T>);
  T r;
  if (__builtin_add_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

template <typename T>
T checked_mul(T a, T b, const std::string& what) {
  static_assert(std::is_integral_v<T>);
  T r;
  if (__builtin_mul_overflow(a, b, &r)) throw_overflow(what);
  return r;
}

// The element count of `dims`; a negative dim or a product over 2^62 is an error naming
// `what` (2^62 leaves room to multiply by an element size without another check).
int64_t checked_numel(std::span<const int64_t> dims, const std::string& what);

// numel(dims) * elem_size, with the same checks.
int64_t checked_nbytes(std::span<const int64_t> dims, size_t elem_size, const std::string& what);

// Whether [offset, offset + bytes) lies inside [0, size), without overflow.
constexpr bool span_within(uint64_t offset, uint64_t bytes, uint64_t size) {
  return offset <= size && bytes <= size - offset;
}

}  // namespace bertc::base
