// Checks shared by the KernelCall adapters of the optimized kernels (x86, oneDNN): each throws
// bertc::Error "node 'NAME' (OP): ..." naming what is wrong, so a bad call never reads or
// writes out of bounds.
#pragma once

#include <string>

#include "bertc/tensor.h"
#include "kernels/kernel.h"

namespace bertc::kernels {

[[noreturn]] inline void fail(const KernelCall& call, const std::string& message) {
  call.attrs->fail(message);
}

inline bool has_src(const KernelCall& call, size_t i) { return i < call.src.size() && call.src[i]; }

// Input i, which must be present and float32 (`what` names it in errors).
inline const Tensor& src_f32(const KernelCall& call, size_t i, const char* what) {
  if (!has_src(call, i))
    fail(call, std::string(what) + " (input " + std::to_string(i) + ") is missing");
  const Tensor& t = *call.src[i];
  if (t.dtype() != DType::kF32) {
    fail(call, std::string(what) + " (input " + std::to_string(i) + ") must be float32, got " +
                   dtype_name(t.dtype()));
  }
  return t;
}

// Output 0, which must be float32 with `numel` elements.
inline Tensor& dst_f32(const KernelCall& call, int64_t numel) {
  if (call.dst.empty() || !call.dst[0]) fail(call, "output 0 is missing");
  Tensor& t = *call.dst[0];
  if (t.dtype() != DType::kF32 || t.numel() != numel) {
    fail(call, std::string("output must be float32 with ") + std::to_string(numel) +
                   " elements, got " + dtype_name(t.dtype()) + " " + dims_str(t.shape()));
  }
  return t;
}

inline void check_numel(const KernelCall& call, const Tensor& t, int64_t numel, const char* what) {
  if (t.numel() != numel) {
    fail(call, std::string(what) + " " + dims_str(t.shape()) + " must have " +
                   std::to_string(numel) + " elements");
  }
}

}  // namespace bertc::kernels
