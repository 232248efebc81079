// Reference kernels of MatMul and Gemm: one strided triple loop, accumulating in double for
// float types (a tight oracle) and in wrapping int64 for integers.
#include <algorithm>
#include <vector>

#include "kernels/ref/math_kernels.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref::math {
namespace {

using MatMulTypes = TypeList<float, double, int32_t, int64_t>;

// A strided view of a matrix: element (r, c) is at data[r * row_stride + c * col_stride].
template <typename T>
struct MatrixView {
  const T* data;
  int64_t row_stride;
  int64_t col_stride;
  T at(int64_t r, int64_t c) const { return data[r * row_stride + c * col_stride]; }
};

// For every (m, n) of an [M, N] product calls emit(m, n, acc) with acc = sum_k a(m, k) b(k, n)
// in acc_t<T>, summed in order of k. A row of accumulators walks B by rows (the same sums, in the
// same order, as one dot product per element; B's rows are read contiguously).
template <typename T, typename Emit>
void matmul_block(MatrixView<T> a, MatrixView<T> b, int64_t M, int64_t N, int64_t K, Emit emit) {
  std::vector<acc_t<T>> row(static_cast<size_t>(N));
  for (int64_t m = 0; m < M; ++m) {
    std::fill(row.begin(), row.end(), acc_t<T>{});
    for (int64_t k = 0; k < K; ++k) {
      const auto av = static_cast<acc_t<T>>(a.at(m, k));
      const T* bk = b.data + k * b.row_stride;
      for (int64_t n = 0; n < N; ++n) {
        row[static_cast<size_t>(n)] =
            wrap_add(row[static_cast<size_t>(n)], wrap_mul(av, static_cast<acc_t<T>>(bk[n * b.col_stride])));
      }
    }
    for (int64_t n = 0; n < N; ++n) emit(m, n, row[static_cast<size_t>(n)]);
  }
}

}  // namespace

// Numpy matmul: src[0] [..., M, K] x src[1] [..., K, N] -> dst[0] [..., M, N]; a 1-D src[0] is
// [1, K] and a 1-D src[1] is [K, 1], their added dim absent from dst; batch dims broadcast.
// float32/float64/int32/int64, both inputs of one dtype; dense C-order; no aliasing.
void matmul(const KernelCall& call) {
  const Tensor& a = *call.src[0];
  const Tensor& b = *call.src[1];
  Tensor& y = *call.dst[0];
  if (a.dtype() != b.dtype()) call.attrs->fail("A and B have different dtypes");
  const Dims a2 = a.rank() == 1 ? Dims{1, a.dim(0)} : a.shape();
  const Dims b2 = b.rank() == 1 ? Dims{b.dim(0), 1} : b.shape();
  const int64_t M = a2[a2.size() - 2], K = a2.back(), N = b2.back();
  // dst's batch dims: all but its trailing matrix dims (one per operand of rank > 1).
  const size_t matrix_dims = (a.rank() > 1 ? 1 : 0) + (b.rank() > 1 ? 1 : 0);
  const Dims batch(y.shape().begin(), y.shape().end() - static_cast<ptrdiff_t>(matrix_dims));
  const std::array<Dims, 2> batch_in{Dims(a2.begin(), a2.end() - 2),
                                     Dims(b2.begin(), b2.end() - 2)};
  dispatch(MatMulTypes{}, a.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    broadcast_for_each<2>(batch, batch_in, [&](int64_t i, const std::array<int64_t, 2>& off) {
      MatrixView<T> av{a.data<T>() + off[0] * M * K, K, 1};
      MatrixView<T> bv{b.data<T>() + off[1] * K * N, N, 1};
      T* out = y.data<T>() + i * M * N;
      matmul_block(av, bv, M, N, K, [&](int64_t m, int64_t n, acc_t<T> acc) {
        out[m * N + n] = static_cast<T>(acc);
      });
    });
  });
}

// Gemm: dst[0] [M, N] = alpha * A' B' + beta * C with A' = transA ? src[0]^T : src[0] (2-D), B'
// likewise from src[1]; optional src[2] (C) unidirectionally broadcast to [M, N].
// float32/float64/int32/int64, one dtype; integer results go through double (exact below 2^53).
void gemm(const KernelCall& call) {
  const Tensor& a = *call.src[0];
  const Tensor& b = *call.src[1];
  const Tensor* c = has_src(call, 2) ? call.src[2] : nullptr;
  Tensor& y = *call.dst[0];
  const auto& attrs = call.attrs_as<ir::GemmAttrs>();
  const bool ta = attrs.trans_a, tb = attrs.trans_b;
  const double alpha = attrs.alpha, beta = attrs.beta;
  const int64_t M = y.dim(0), N = y.dim(1), K = ta ? a.dim(0) : a.dim(1);
  if (a.dtype() != b.dtype() || (c && c->dtype() != a.dtype())) {
    call.attrs->fail("A, B and C must have one dtype");
  }
  const Dims c_strides = c ? broadcast_strides(c->shape(), y.shape()) : Dims{0, 0};
  dispatch(MatMulTypes{}, a.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    // A is stored [M, K] (or [K, M] when transposed), B [K, N] (or [N, K]).
    MatrixView<T> av = ta ? MatrixView<T>{a.data<T>(), 1, M} : MatrixView<T>{a.data<T>(), K, 1};
    MatrixView<T> bv = tb ? MatrixView<T>{b.data<T>(), 1, K} : MatrixView<T>{b.data<T>(), N, 1};
    T* out = y.data<T>();
    matmul_block(av, bv, M, N, K, [&](int64_t m, int64_t n, acc_t<T> acc) {
      double v = alpha * static_cast<double>(acc);
      if (c) v += beta * static_cast<double>(c->data<T>()[m * c_strides[0] + n * c_strides[1]]);
      out[m * N + n] = convert<T>(v);
    });
  });
}

}  // namespace bertc::kernels::ref::math
