// Dense GEMM through cuBLASLt (matmul.cpp), shared with the quantized products' prompt path.
#pragma once

#include <cuda_runtime.h>

#include "mlx/array.h"

namespace mlx::core::cu {

bool gemm_supported(Dtype t);

// out[..., M, N] = alpha * a[..., M, K] @ b[..., K, N] + beta * out, where out already has a
// row-major device buffer (read when beta != 0). a and b have out's dtype.
void gemm(const array& a, const array& b, array& out, float alpha, float beta, cudaStream_t stream);

} // namespace mlx::core::cu
