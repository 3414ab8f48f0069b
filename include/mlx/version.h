#pragma once

#define MLXCPP_VERSION_MAJOR 0
#define MLXCPP_VERSION_MINOR 1
#define MLXCPP_VERSION_PATCH 0

namespace mlx::core {

/* The version of mlxcpp's array framework, as "major.minor.patch". */
const char* version();

} // namespace mlx::core
