// GPU copies between layouts (copy.cu), for kernel files that need a row-major input or write
// into a window of their output.
#pragma once

#include <cuda_runtime.h>

#include "mlx/array.h"

namespace mlx::core::cu {

// Whether copy_into handles this dtype pair.
bool copy_supported(Dtype from, Dtype to);

// Writes src's elements, converted to dst_dtype, to the device address `dst` laid out with
// `dst_strides` (src's shape). Throws for a pair copy_supported rejects.
void copy_into(const array& src, void* dst, Dtype dst_dtype, const Strides& dst_strides,
               cudaStream_t stream);

// A row-major device copy of `a`.
array contiguous_copy(const array& a, cudaStream_t stream);

} // namespace mlx::core::cu
