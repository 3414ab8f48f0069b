// Helpers shared by the quantization kernels' drivers (quantized.cpp, quantized_matmul.cpp).
#pragma once

#include "mlx/array.h"

#include "backend/cpu/quantized_kernels.h"

namespace mlx::core::cpu::quant {

// `a` itself when its last two axes are row-major (outer axes may be any strides), else a
// row-major copy.
array inner_contiguous(const array& a);

// `a` itself when it is row-major and dense, else a row-major copy.
array row_major(const array& a);

// Offset (in elements) of matrix `batch` of an array whose last two axes are row-major.
int64_t matrix_offset(const array& a, int64_t batch);

// Matrix `batch` (row-major over the outer axes) of packed weights and their scales/biases,
// each as returned by inner_contiguous.
PackedMatrix packed_matrix(const array& w, const array& scales, const array& biases, int64_t batch,
                           int bits, int group_size);

} // namespace mlx::core::cpu::quant
