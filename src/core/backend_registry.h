// What the engine asks of the GPU backend. src/backend/cuda implements it when CUDA is built;
// src/backend/no_gpu/ otherwise (every entry reports no GPU).
#pragma once

#include <cstddef>
#include <vector>

#include "mlx/allocator.h"
#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

class CachingAllocator;
class Primitive;

namespace gpu_backend {

int device_count();

// Creates the backend's queue for a new GPU stream.
void new_stream(Stream stream);

// Blocks until all work queued on the stream has finished.
void synchronize(Stream stream);

// The allocator of GPU-capable buffers, or nullptr when no GPU is usable.
CachingAllocator* allocator();

// Runs a primitive whose stream is on the GPU.
void eval(Primitive& primitive, const std::vector<array>& inputs, std::vector<array>& outputs);

// How many GPU primitives have run on the CPU so far for want of a GPU kernel (tests use it to
// check that a kernel really ran on the device).
size_t cpu_fallback_count();

// A buffer for `size` bytes of host memory owned by someone else (a file mapping), which the
// active allocator can hand to the device; release it with `release_host_memory`.
allocator::Buffer wrap_host_memory(void* ptr, size_t size);
void release_host_memory(allocator::Buffer buffer);

} // namespace gpu_backend

} // namespace mlx::core
