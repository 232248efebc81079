// Gather: the reference kernel (any dtype, any axis, int32 / int64 indices).
#include <cstring>

#include "ir/op_attrs.h"
#include "kernels/ref/data_kernels.h"

namespace bertc::kernels::ref {

// Gather: dst = data taken along `axis` at src[1]'s indices (int32 / int64, negative wraps once);
// dst has shape data[:axis] + indices + data[axis+1:]. Every index is checked first: one outside
// [-d, d) is an error naming the node, the index and the range (how an out-of-vocabulary token
// id is caught in an embedding lookup).
void data_gather(const KernelCall& call) {
  const Tensor& data = *call.src[0];
  const Tensor& indices = *call.src[1];
  Tensor& dst = *call.dst[0];
  const int64_t rank = data.rank();
  const auto& attrs = call.attrs_as<ir::AxisAttrs>();
  int64_t axis = attrs.axis;
  if (axis < 0) axis += rank;
  const Dims& shape = data.shape();
  const int64_t dim = shape[static_cast<size_t>(axis)];
  const int64_t outer = dims_numel(std::span(shape).first(static_cast<size_t>(axis)));
  const int64_t inner = dims_numel(std::span(shape).subspan(static_cast<size_t>(axis) + 1));
  std::vector<int64_t> idx = indices.to_int64_vector();
  for (int64_t& i : idx) {
    if (i < -dim || i >= dim) attrs.fail_index(i, dim, dims_str(shape));
    if (i < 0) i += dim;
  }
  const size_t row = static_cast<size_t>(inner) * dtype_size(data.dtype());
  const auto* src = static_cast<const std::byte*>(data.raw());
  auto* out = static_cast<std::byte*>(dst.raw());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i : idx) {
      std::memcpy(out, src + static_cast<size_t>(o * dim + i) * row, row);
      out += row;
    }
  }
}

}  // namespace bertc::kernels::ref
