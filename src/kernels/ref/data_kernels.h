// Reference kernels of the data-movement family (data_*.cc) and the one strided-copy helper they
// share. These ops only move elements, so they work on raw bytes of the element size: one code
// path for every dtype. Only Range and ConstantOfShape produce typed values.
#pragma once

#include <cstddef>

#include "bertc/tensor.h"
#include "kernels/kernel.h"

namespace bertc::kernels::ref {

// C-order element strides of a tensor of shape `shape`.
Dims contiguous_strides(const Dims& shape);

// Copies a block of shape `shape` element by element: the element at multi-index i goes from
// src + sum(i[k] * src_strides[k]) to dst + sum(i[k] * dst_strides[k]) (strides in elements; src
// strides may be 0 (broadcast) or negative (reversed)); `elem` bytes per element. Dims contiguous
// on both sides are merged, so dense runs become one memcpy. dst and src must not overlap.
void copy_strided(void* dst, const Dims& dst_strides, const void* src, const Dims& src_strides,
                  const Dims& shape, size_t elem);

void data_gather(const KernelCall& call);
void data_gather_elements(const KernelCall& call);
void data_copy(const KernelCall& call);  // Reshape, Flatten, Squeeze, Unsqueeze
void data_transpose(const KernelCall& call);
void data_expand(const KernelCall& call);
void data_tile(const KernelCall& call);
void data_concat(const KernelCall& call);
void data_split(const KernelCall& call);
void data_slice(const KernelCall& call);
void data_shape(const KernelCall& call);
void data_size(const KernelCall& call);
void data_constant(const KernelCall& call);
void data_constant_of_shape(const KernelCall& call);
void data_range(const KernelCall& call);

}  // namespace bertc::kernels::ref
