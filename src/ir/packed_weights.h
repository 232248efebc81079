// The one description of bertc.Dense's packed W layout (attr packed = 1), "panels of 16": read
// by the packer (kernels/x86/gemm.cc gemm_pack_b), the shape function (DenseAttrs::dims), the
// reference kernel and every GEMM micro-kernel. Columns are grouped into P = ceil(N / 16)
// panels; panel p holds columns [16p, 16p + 16) for every k, K-major inside the panel:
//   packed[(p * K + k) * 16 + j] = W(k, 16p + j)     (0 for 16p + j >= N)
// so the packed array has P * K * 16 floats. Every panel starts at a multiple of 64 bytes from
// the start, so when the array is 64-byte aligned every row of every panel is.
#pragma once

#include <cstdint>

namespace bertc::ir {

inline constexpr int64_t kDensePanelWidth = 16;  // columns per panel

// Floats in the packed array of a K×N W (a multiple of 16; 0 when K or N is 0).
inline constexpr int64_t dense_packed_size(int64_t k, int64_t n) {
  return (n + kDensePanelWidth - 1) / kDensePanelWidth * k * kDensePanelWidth;
}

// Index of W(k, n) in the packed array of a K-row W.
inline constexpr int64_t dense_packed_index(int64_t K, int64_t k, int64_t n) {
  return ((n / kDensePanelWidth) * K + k) * kDensePanelWidth + n % kDensePanelWidth;
}

}  // namespace bertc::ir

namespace bertc::ir {

// bertc.DenseInt8's packed W (int8, "panels of 16, k-quads", with column sums): columns in
// P = ceil(N / 16) panels as above, K in quads (K4 = ceil(K / 4), k past K zero); inside a panel,
// per k-quad, each of the 16 columns' four values side by side:
//   packed[((p * K4 + k / 4) * 16 + j) * 4 + k % 4] = Wq(k, 16p + j)     (0 past N or K)
// so 32 bytes hold 8 columns' quads, which vpmaddubsw (and VNNI's vpdpbusd) multiply with four
// broadcast activation bytes. After the P * K4 * 64 bytes of values come the column sums,
// int32 (little-endian) sums[16p + j] = sum_k Wq(k, 16p + j) for the P * 16 columns (0 past N):
// the zero-point compensation of the GEMM's epilogue. Every panel starts at a multiple of 64
// bytes, and so do the sums.
inline constexpr int64_t dense_int8_values_size(int64_t k, int64_t n) {
  return (n + kDensePanelWidth - 1) / kDensePanelWidth * ((k + 3) / 4) * 4 * kDensePanelWidth;
}

inline constexpr int64_t dense_int8_packed_size(int64_t k, int64_t n) {
  return dense_int8_values_size(k, n) + (n + kDensePanelWidth - 1) / kDensePanelWidth * kDensePanelWidth * 4;
}

inline constexpr int64_t dense_int8_packed_index(int64_t K, int64_t k, int64_t n) {
  return (((n / kDensePanelWidth) * ((K + 3) / 4) + k / 4) * kDensePanelWidth + n % kDensePanelWidth) * 4 + k % 4;
}

}  // namespace bertc::ir

namespace bertc::ir {

// bertc.DenseBf16's packed W (bf16 pairs, "panels of 16, k-pairs"): int32 units, each a k-pair
// of one column, bf16(W(k, n)) in the low 16 bits and bf16(W(k + 1, n)) in the high 16 (the
// element order of vdpbf16ps's pairs); columns in P = ceil(N / 16) panels, K in pairs (K2 =
// ceil(K / 2), k past K zero):
//   packed[(p * K2 + k / 2) * 16 + j] holds W(k, 16p + j)     (0 past N or K)
// so one 64-byte row of a panel is a zmm of 16 columns' pairs. Every panel starts at a multiple
// of 64 bytes.
inline constexpr int64_t dense_bf16_packed_size(int64_t k, int64_t n) {
  return (n + kDensePanelWidth - 1) / kDensePanelWidth * ((k + 1) / 2) * kDensePanelWidth;
}

// The int32 unit of W(k, n) in the packed array of a K-row W (its half: k % 2).
inline constexpr int64_t dense_bf16_packed_index(int64_t K, int64_t k, int64_t n) {
  return ((n / kDensePanelWidth) * ((K + 1) / 2) + k / 2) * kDensePanelWidth + n % kDensePanelWidth;
}

}  // namespace bertc::ir
