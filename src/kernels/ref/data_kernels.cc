// The data-movement family's registration and its shared strided copy.
#include "kernels/ref/data_kernels.h"

#include <cstring>


namespace bertc::kernels::ref {
namespace {

// Copies n elements of E bytes, dst / src stepping by the given byte strides.
template <size_t E>
void copy_run(std::byte* dst, int64_t dst_step, const std::byte* src, int64_t src_step, int64_t n) {
  for (int64_t j = 0; j < n; ++j) std::memcpy(dst + j * dst_step, src + j * src_step, E);
}

void copy_row(std::byte* dst, int64_t dst_stride, const std::byte* src, int64_t src_stride,
              int64_t n, size_t elem) {
  const int64_t e = static_cast<int64_t>(elem);
  if (dst_stride == 1 && src_stride == 1) {
    std::memcpy(dst, src, static_cast<size_t>(n) * elem);
    return;
  }
  const int64_t ds = dst_stride * e, ss = src_stride * e;
  switch (elem) {
    case 1:
      copy_run<1>(dst, ds, src, ss, n);
      break;
    case 4:
      copy_run<4>(dst, ds, src, ss, n);
      break;
    case 8:
      copy_run<8>(dst, ds, src, ss, n);
      break;
    default:
      for (int64_t j = 0; j < n; ++j) std::memcpy(dst + j * ds, src + j * ss, elem);
  }
}

}  // namespace

Dims contiguous_strides(const Dims& shape) {
  Dims strides(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) strides[k - 1] = strides[k] * shape[k];
  return strides;
}

void copy_strided(void* dst, const Dims& dst_strides, const void* src, const Dims& src_strides,
                  const Dims& shape, size_t elem) {
  if (dims_numel(shape) == 0) return;
  // Merge dim k into dim k+1 where both sides step over dim k+1 exactly; drop size-1 dims.
  Dims n{1}, ds{1}, ss{1};
  for (size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] == 1) continue;
    if (ds.back() == dst_strides[k] * shape[k] && ss.back() == src_strides[k] * shape[k] &&
        n.size() > 1) {
      n.back() *= shape[k];
      ds.back() = dst_strides[k];
      ss.back() = src_strides[k];
    } else {
      n.push_back(shape[k]);
      ds.push_back(dst_strides[k]);
      ss.push_back(src_strides[k]);
    }
  }
  const size_t last = n.size() - 1;
  const int64_t e = static_cast<int64_t>(elem);
  auto* d = static_cast<std::byte*>(dst);
  auto* s = static_cast<const std::byte*>(src);
  Dims index(n.size(), 0);
  int64_t d_off = 0, s_off = 0;  // in elements
  for (int64_t rows = dims_numel(n) / n[last]; rows > 0; --rows) {
    copy_row(d + d_off * e, ds[last], s + s_off * e, ss[last], n[last], elem);
    for (size_t k = last; k-- > 0;) {  // odometer over the outer dims
      d_off += ds[k];
      s_off += ss[k];
      if (++index[k] < n[k]) break;
      d_off -= ds[k] * n[k];
      s_off -= ss[k] * n[k];
      index[k] = 0;
    }
  }
}

}  // namespace bertc::kernels::ref
