// Parameter rules of bertc's internal fused ops (ops.def) that both their shape functions
// (shape_fused.cc) and their reference kernels (kernels/ref/fused_*.cc) apply.
#pragma once

#include <cstdint>

#include "ir/graph.h"

namespace bertc::ir {

// bertc.Dense's packed W layout (attr packed = 1) is the GEMM kernels' "panels of 16" layout of
// kernels/x86/gemm.h (gemm_pack_b), restated here so that the IR and the reference kernels do
// not depend on the x86 library; passes/prepack_weights.cc checks that the two agree
// (static_assert on the panel width, and tests/passes compares against gemm_pack_b):
//   packed[(p * K + k) * 16 + j] = W(k, 16p + j), p = n / 16, j = n % 16, zero-padded to 16.
inline constexpr int64_t kDensePanelWidth = 16;
inline constexpr int64_t dense_packed_size(int64_t k, int64_t n) {
  return (n + kDensePanelWidth - 1) / kDensePanelWidth * k * kDensePanelWidth;
}
// Index of W(k, n) in the packed array of a K-row W.
inline constexpr int64_t dense_packed_index(int64_t K, int64_t k, int64_t n) {
  return ((n / kDensePanelWidth) * K + k) * kDensePanelWidth + n % kDensePanelWidth;
}

struct DenseDims {
  int64_t k, n;
};
// K and N of a bertc.Dense from W's shape (packed = 0: [K, N]) or from attrs k, n (packed = 1,
// W must then be [dense_packed_size(k, n)]). Fails naming the node otherwise.
DenseDims dense_dims(const Node& node, const Shape& w);

}  // namespace bertc::ir
