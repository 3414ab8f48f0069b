// What the engine asks of the GPU backend. src/backend/cuda implements it when CUDA is built;
// src/backend/no_gpu/ otherwise (every entry reports no GPU).
#pragma once

#include "mlx/stream.h"

namespace mlx::core::gpu_backend {

int device_count();

// Creates the backend's queue for a new GPU stream.
void new_stream(Stream stream);

// Blocks until all work queued on the stream has finished.
void synchronize(Stream stream);

} // namespace mlx::core::gpu_backend
