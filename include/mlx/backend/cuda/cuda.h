#pragma once

namespace mlx::core::cu {

/* Whether the CUDA backend is built and a usable NVIDIA GPU is present. */
bool is_available();

} // namespace mlx::core::cu
