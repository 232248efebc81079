// Gather and GatherElements: the reference kernels (any dtype, any axis, int32 / int64 indices).
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

// GatherElements: dst[p] = data[p with p[axis] replaced by indices[p]] for every position p of
// indices (same rank as data; int32 / int64, negative wraps once); dst has the indices' shape.
// An index outside [-d, d) is an error naming the node, the index and the range.
void data_gather_elements(const KernelCall& call) {
  const Tensor& data = *call.src[0];
  const Tensor& indices = *call.src[1];
  Tensor& dst = *call.dst[0];
  const auto& attrs = call.attrs_as<ir::AxisAttrs>();
  const int64_t rank = data.rank();
  const int64_t axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  if (indices.rank() != rank || dst.shape() != indices.shape()) {
    attrs.fail("indices " + dims_str(indices.shape()) + " do not fit data " + dims_str(data.shape()));
  }
  for (int64_t k = 0; k < rank; ++k) {
    if (k != axis && indices.dim(k) > data.dim(k)) {
      attrs.fail("indices " + dims_str(indices.shape()) + " are longer than data " + dims_str(data.shape()));
    }
  }
  const Dims strides = contiguous_strides(data.shape());
  const std::vector<int64_t> idx = indices.to_int64_vector();
  const int64_t dim = data.dim(axis);
  const size_t elem = dtype_size(data.dtype());
  const auto* src = static_cast<const std::byte*>(data.raw());
  auto* out = static_cast<std::byte*>(dst.raw());
  Dims at(static_cast<size_t>(rank), 0);  // the position p in indices, C order
  for (size_t n = 0; n < idx.size(); ++n) {
    int64_t i = idx[n];
    if (i < -dim || i >= dim) attrs.fail_index(i, dim, dims_str(data.shape()));
    if (i < 0) i += dim;
    int64_t offset = 0;
    for (int64_t k = 0; k < rank; ++k) offset += (k == axis ? i : at[static_cast<size_t>(k)]) * strides[static_cast<size_t>(k)];
    std::memcpy(out + n * elem, src + static_cast<size_t>(offset) * elem, elem);
    for (int64_t k = rank - 1; k >= 0; --k) {
      if (++at[static_cast<size_t>(k)] < indices.dim(k)) break;
      at[static_cast<size_t>(k)] = 0;
    }
  }
}

}  // namespace bertc::kernels::ref
