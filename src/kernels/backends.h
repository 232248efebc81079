// The kernel libraries, in the order lowering asks them (the oneDNN style of an ordered
// implementation list): oneDNN (only bertc.Dense nodes marked gemm = "onednn"), bertc's x86
// kernels, and last the reference kernels, which never decline.
#pragma once

#include <span>

#include "kernels/kernel.h"

namespace bertc::kernels {

// All backends in order; `reference_only` (a model compiled at -O0): the reference one alone.
std::span<const Backend> backends(bool reference_only);

}  // namespace bertc::kernels
