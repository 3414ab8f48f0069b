// The CUDA backend's host-side interface for kernel files: streams, device addresses of
// arrays, error checks and the table that maps primitives to their GPU kernels.
#pragma once

#include <cuda_runtime.h>

#include <functional>
#include <typeindex>
#include <vector>

#include "mlx/array.h"
#include "mlx/primitives.h"

namespace mlx::core::cu {

// Throws std::runtime_error naming `what` when a CUDA call failed.
void check(cudaError_t err, const char* what);
// Checks the launch just made (a bad configuration shows here, not at the next sync).
void check_launch(const char* kernel);

// The CUDA stream behind an mlx GPU stream.
cudaStream_t cuda_stream(const Stream& s);

// The device address of an array's first element, its data made current on `stream` (uploaded
// from the host copy if the CPU wrote it last; ordered after a write on another stream).
const void* in_ptr(const array& a, cudaStream_t stream);

// Gives `out` a new row-major buffer of out.nbytes() and returns its device address.
void* alloc_out(array& out, cudaStream_t stream);

// The device address of an array about to be written on `stream` (its host copy goes stale).
void* out_ptr(array& a, cudaStream_t stream);

// A row-major array with a device buffer (contents undefined): a temporary for kernels.
array device_temp(const Shape& shape, Dtype dtype, cudaStream_t stream);

// A GPU kernel for one primitive type. Returns false when it does not handle these inputs
// (dtype, layout); the primitive then runs on the CPU over host copies.
using Kernel = std::function<bool(Primitive&, const std::vector<array>&, std::vector<array>&)>;

void add_kernel(std::type_index type, Kernel kernel);

template <typename P>
void add_kernel(bool (*fn)(P&, const std::vector<array>&, std::vector<array>&)) {
  add_kernel(std::type_index(typeid(P)),
             [fn](Primitive& p, const std::vector<array>& in, std::vector<array>& out) {
               return fn(static_cast<P&>(p), in, out);
             });
}

// Creates the cuBLASLt handle (with the first stream), so that the first product does not pay
// for it.
void warm_up_blas();

// One per kernel file; eval.cpp calls them all once.
void register_elementwise();
void register_copy();
void register_reduce();
void register_softmax();
void register_norm();
void register_rope();
void register_matmul();
void register_quantized();
void register_attention();
void register_indexing();
void register_shape();

} // namespace mlx::core::cu
