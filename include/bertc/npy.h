// NumPy .npy files (format versions 1–3, little-endian, C order) to and from Tensors.
#pragma once

#include <string>

#include "bertc/tensor.h"

namespace bertc {

// Errors name the file and what is wrong (not .npy, unsupported dtype, Fortran order,
// truncated data).
Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace bertc
