// Concat, Split and Slice: block copies along axes, all through copy_strided.
#include "ir/op_attrs.h"
#include "kernels/ref/data_kernels.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref {
namespace {

int64_t attr_axis(const KernelCall& call, int64_t rank) {
  const auto& attrs = call.attrs_as<ir::AxisAttrs>();
  return attrs.normalize_axis(attrs.axis, rank);
}

}  // namespace

// Concat: dst = the srcs (same dtype and rank, equal dims off `axis`; zero-size ones allowed)
// laid end to end along `axis` (negative counts from the end).
void data_concat(const KernelCall& call) {
  Tensor& dst = *call.dst[0];
  const size_t axis = static_cast<size_t>(attr_axis(call, dst.rank()));
  const Dims dst_strides = contiguous_strides(dst.shape());
  const size_t elem = dtype_size(dst.dtype());
  int64_t offset = 0;  // along the axis
  for (const Tensor* src : call.src) {
    auto* base =
        static_cast<std::byte*>(dst.raw()) + static_cast<size_t>(offset * dst_strides[axis]) * elem;
    copy_strided(base, dst_strides, src->raw(), contiguous_strides(src->shape()), src->shape(),
                 elem);
    offset += src->dim(static_cast<int>(axis));
  }
}

// Split: dst[k] = the k-th consecutive block of src[0] along `axis`, of dst[k]'s size there (the
// shape function sized the outputs from the split input or equal parts).
void data_split(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  const size_t axis = static_cast<size_t>(attr_axis(call, src.rank()));
  const Dims src_strides = contiguous_strides(src.shape());
  const size_t elem = dtype_size(src.dtype());
  int64_t offset = 0;
  for (size_t k = 0; k < call.dst.size(); ++k) {
    if (!has_dst(call, k)) continue;
    Tensor& dst = *call.dst[k];
    const auto* base = static_cast<const std::byte*>(src.raw()) +
                       static_cast<size_t>(offset * src_strides[axis]) * elem;
    copy_strided(dst.raw(), contiguous_strides(dst.shape()), base, src_strides, dst.shape(), elem);
    offset += dst.dim(static_cast<int>(axis));
  }
  if (offset != src.dim(static_cast<int>(axis))) {
    call.attrs->fail("outputs cover " + std::to_string(offset) + " of the " +
                              std::to_string(src.dim(static_cast<int>(axis))) + " along axis " +
                              std::to_string(axis));
  }
}

// Slice: dst = src[0] sliced by the values of starts (src[1]), ends (src[2]) and the optional
// axes (src[3]) and steps (src[4]) with ONNX's clamping; steps may be negative.
void data_slice(const KernelCall& call) {
  const Tensor& src = *call.src[0];
  Tensor& dst = *call.dst[0];
  std::vector<int64_t> axes, steps;
  if (has_src(call, 3)) axes = call.src[3]->to_int64_vector();
  if (has_src(call, 4)) steps = call.src[4]->to_int64_vector();
  const ir::SliceArgs args = ir::slice_args(
      *call.attrs, src.rank(), call.src[1]->to_int64_vector(), call.src[2]->to_int64_vector(),
      has_src(call, 3) ? &axes : nullptr, has_src(call, 4) ? &steps : nullptr);
  Dims read = contiguous_strides(src.shape());
  int64_t offset = 0;  // of dst's first element in src, in elements
  for (size_t i = 0; i < args.axes.size(); ++i) {
    const int axis = static_cast<int>(args.axes[i]);
    const ir::SliceRange r =
        ir::slice_range(src.dim(axis), args.starts[i], args.ends[i], args.steps[i]);
    if (r.len != dst.dim(axis)) {
      call.attrs->fail("output shape " + dims_str(dst.shape()) + " does not match the " +
                                std::to_string(r.len) + " elements sliced on axis " +
                                std::to_string(axis));
    }
    offset += r.start * read[static_cast<size_t>(axis)];
    // The step only matters when the axis keeps more than one element; then |step| < dim, so
    // stride * step stays within the tensor (a huge step on a 1-element result must not
    // overflow).
    if (r.len > 1) read[static_cast<size_t>(axis)] *= args.steps[i];
  }
  if (dst.numel() == 0) return;
  const size_t elem = dtype_size(src.dtype());
  const auto* base = static_cast<const std::byte*>(src.raw()) + offset * static_cast<int64_t>(elem);
  copy_strided(dst.raw(), contiguous_strides(dst.shape()), base, read, dst.shape(), elem);
}

}  // namespace bertc::kernels::ref
