// Layout changes: Reshape / Flatten / Squeeze / Unsqueeze (a plain copy), Transpose, Expand, Tile.
#include <cstring>

#include "ir/op_attrs.h"
#include "kernels/ref/data_kernels.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref {

// Reshape, Flatten, Squeeze, Unsqueeze: dst gets src[0]'s bytes unchanged (only the shape
// differs). In-place safe: when dst aliases src nothing is copied.
void data_copy(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  if (dst.nbytes() != src.nbytes()) {
    call.attrs->fail("output shape " + dims_str(dst.shape()) + " does not hold the " +
                              std::to_string(src.numel()) + " elements of input shape " +
                              dims_str(src.shape()));
  }
  if (dst.raw() != src.raw() && src.nbytes()) std::memcpy(dst.raw(), src.raw(), src.nbytes());
}

// Transpose: dst[i_0, ..., i_n-1] = src[j] with j[perm[k]] = i_k (perm attribute, default
// reversed); any dtype.
void data_transpose(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  const std::vector<int64_t> perm = call.attrs_as<ir::TransposeAttrs>().perm_for(src.rank());
  const Dims src_strides = contiguous_strides(src.shape());
  Dims read(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) read[k] = src_strides[static_cast<size_t>(perm[k])];
  copy_strided(dst.raw(), contiguous_strides(dst.shape()), src.raw(), read, dst.shape(),
               dtype_size(src.dtype()));
}

// Expand: dst = src[0] broadcast (numpy rules) to dst's shape, which the shape function
// derived from src[1]'s value; any dtype.
void data_expand(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  copy_strided(dst.raw(), contiguous_strides(dst.shape()), src.raw(),
               broadcast_strides(src.shape(), dst.shape()), dst.shape(), dtype_size(src.dtype()));
}

// Tile: dst = src[0] repeated repeats[k] times along each dim k (dst's shape, which the shape
// function derived from src[1]'s value, is src's dims times the repeats); any dtype. Copied as
// the 2·rank-dim block [r_0, d_0, r_1, d_1, ...]: src strides (0, s_k), dst strides (d_k·t_k, t_k).
void data_tile(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  if (dst.numel() == 0) return;
  const Dims src_strides = contiguous_strides(src.shape());
  const Dims dst_strides = contiguous_strides(dst.shape());
  Dims shape, read, write;
  for (int64_t k = 0; k < src.rank(); ++k) {
    const int64_t d = src.dim(k);
    if (d == 0 || dst.dim(k) % d != 0) {
      call.attrs->fail("output shape " + dims_str(dst.shape()) + " is not a tiling of " + dims_str(src.shape()));
    }
    shape.insert(shape.end(), {dst.dim(k) / d, d});
    read.insert(read.end(), {0, src_strides[static_cast<size_t>(k)]});
    write.insert(write.end(), {d * dst_strides[static_cast<size_t>(k)], dst_strides[static_cast<size_t>(k)]});
  }
  copy_strided(dst.raw(), write, src.raw(), read, shape, dtype_size(src.dtype()));
}

}  // namespace bertc::kernels::ref
