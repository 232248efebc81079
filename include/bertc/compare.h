// Comparing outputs with a reference (PyTorch's, ONNX Runtime's), as `bertc verify` and the
// tests do.
#pragma once

#include "bertc/tensor.h"

namespace bertc {

// max |got - want| over two float32 tensors of the same shape (NaN anywhere: NaN; different
// shapes or dtypes: a bertc::Error). With an attention mask [B, S], outputs whose leading
// dims are [B, S] are compared on the real tokens only (mask != 0): the padding rows of
// per-token outputs are not results (bertc's packed runs leave zeros there, PyTorch whatever
// the padding computed).
double max_abs_diff(const Tensor& got, const Tensor& want, const Tensor* attention_mask = nullptr);

}  // namespace bertc
