#include "bertc/compare.h"

#include <cmath>

#include "bertc/error.h"

namespace bertc {

double max_abs_diff(const Tensor& got, const Tensor& want, const Tensor* attention_mask) {
  if (got.shape() != want.shape() || got.dtype() != DType::kF32 || want.dtype() != DType::kF32) {
    throw Error("cannot compare " + std::string(dtype_name(got.dtype())) + dims_str(got.shape()) +
                " with " + dtype_name(want.dtype()) + dims_str(want.shape()) +
                " (float32 tensors of one shape)");
  }
  std::vector<int64_t> mask;
  int64_t row = got.numel();  // elements per mask entry
  if (attention_mask && attention_mask->rank() == 2 && got.rank() >= 2 &&
      got.dim(0) == attention_mask->dim(0) && got.dim(1) == attention_mask->dim(1)) {
    mask = attention_mask->to_int64_vector();
    row = got.numel() / std::max<int64_t>(attention_mask->numel(), 1);
  }
  double worst = 0;
  for (int64_t i = 0; i < got.numel(); ++i) {
    if (!mask.empty() && mask[static_cast<size_t>(i / row)] == 0) continue;
    const double d = std::fabs(static_cast<double>(got.data<float>()[i]) - want.data<float>()[i]);
    if (!(d <= worst)) worst = d;  // NaN wins
  }
  return worst;
}

}  // namespace bertc
