#pragma once

namespace mlx::core::metal {

/* Metal is Apple-only: never available in mlxcpp. Kept so that MLX programs compile unchanged. */
inline bool is_available() {
  return false;
}

} // namespace mlx::core::metal
