// NumPy .npy files (format versions 1–3, little-endian, C order) to and from Tensors.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bertc/tensor.h"

namespace bertc {

// Errors name the file and what is wrong (not .npy, a header that is not exactly numpy's
// dict literal, unsupported dtype, Fortran order, a negative or overflowing shape, truncated
// or trailing data).
Tensor read_npy(const std::string& path);

// Writes one file atomically: the destination holds either its old content or the whole new
// array, never a truncated one.
void write_npy(const std::string& path, const Tensor& tensor);

// Writes several files all or nothing: a failure (full disk, bad folder) leaves none of them.
void write_npys(const std::vector<std::pair<std::string, const Tensor*>>& files);

}  // namespace bertc
