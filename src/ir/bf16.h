// bfloat16, defined once: the upper 16 bits of a float32 (same exponent range, 8-bit
// significand). Read by the Hugging Face loaders (BF16 checkpoints) and written by bertc's bf16
// path (--precision bf16: passes/convert_dense_bf16.cc, kernels/x86/bgemm.h and the reference
// kernel round with f32_to_bf16, so every kernel multiplies the same values).
#pragma once

#include <cstdint>
#include <cstring>

namespace bertc::ir {

inline float bf16_to_f32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Rounds to nearest, ties to even (what vcvtneps2bf16 does); a NaN stays a (quiet) NaN, and
// values past bf16's largest finite one round to infinity.
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

// f rounded to the nearest bf16, as a float.
inline float round_to_bf16(float f) { return bf16_to_f32(f32_to_bf16(f)); }

}  // namespace bertc::ir
