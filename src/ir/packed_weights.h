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
