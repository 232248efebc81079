// Ops that make new values: Shape, Size, Constant, ConstantOfShape, Range.
#include <cstring>

#include "ir/op_attrs.h"
#include "kernels/ref/data_kernels.h"
#include "kernels/ref/dispatch.h"
#include "kernels/ref/ref_util.h"

namespace bertc::kernels::ref {

// Shape: dst (int64, 1-D) = src[0]'s dims in [start, end) (opset 15 attributes, default all).
void data_shape(const KernelCall& call) {
  const Dims& dims = call.src[0]->shape();
  auto [start, end] = call.attrs_as<ir::ShapeAttrs>().range(static_cast<int64_t>(dims.size()));
  int64_t* out = call.dst[0]->data<int64_t>();
  for (int64_t k = start; k < end; ++k) *out++ = dims[static_cast<size_t>(k)];
}

// Size: dst (int64 scalar) = src[0]'s element count.
void data_size(const KernelCall& call) { *call.dst[0]->data<int64_t>() = call.src[0]->numel(); }

// Constant: dst = the node's constant attribute (value, value_float(s), value_int(s)).
void data_constant(const KernelCall& call) {
  const Tensor& value = call.attrs_as<ir::ConstantAttrs>().value;
  Tensor& dst = *call.dst[0];
  if (value.dtype() != dst.dtype() || value.shape() != dst.shape()) {
    call.attrs->fail("output " + std::string(dtype_name(dst.dtype())) + dims_str(dst.shape()) +
                              " does not match the constant " + dtype_name(value.dtype()) +
                              dims_str(value.shape()));
  }
  if (value.nbytes()) std::memcpy(dst.raw(), value.raw(), value.nbytes());
}

// ConstantOfShape: every element of dst (shape = src[0]'s value, already applied by the shape
// function) = the 1-element `value` attribute (default float32 0); any dtype.
void data_constant_of_shape(const KernelCall& call) {
  const Tensor& fill = call.attrs_as<ir::ConstantOfShapeAttrs>().fill;
  Tensor& dst = *call.dst[0];
  if (fill.dtype() != dst.dtype()) call.attrs->fail("output dtype differs from value's");
  const size_t elem = dtype_size(dst.dtype());
  auto* out = static_cast<std::byte*>(dst.raw());
  for (int64_t i = 0, n = dst.numel(); i < n; ++i) std::memcpy(out + i * elem, fill.raw(), elem);
}

// Range: dst[i] = start + i * delta (start, limit, delta: scalars src[0..2] of dst's dtype,
// float32 / float64 / int32 / int64); dst's length max(ceil((limit - start) / delta), 0) was set
// by the shape function.
void data_range(const KernelCall& call) {
  Tensor& dst = *call.dst[0];
  using RangeTypes = TypeList<float, double, int32_t, int64_t>;
  dispatch(RangeTypes{}, dst.dtype(), *call.attrs, [&]<typename T>(Tag<T>) {
    const T start = call.src[0]->data<T>()[0];
    const T delta = call.src[2]->data<T>()[0];
    T* out = dst.data<T>();
    // Wrapping arithmetic: i * delta may overflow T where start + i * delta does not.
    for (int64_t i = 0, n = dst.numel(); i < n; ++i) {
      out[i] = wrap_add(start, wrap_mul(static_cast<T>(i), delta));
    }
  });
}

}  // namespace bertc::kernels::ref
