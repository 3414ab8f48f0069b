// Placeholder declarations (MLX's io.h API) until the io branch lands.
#pragma once

#include <string>
#include <unordered_map>
#include <utility>

#include "mlx/array.h"
#include "mlx/utils.h"

namespace mlx::core {

using SafetensorsLoad = std::pair<std::unordered_map<std::string, array>,
                                  std::unordered_map<std::string, std::string>>;

SafetensorsLoad load_safetensors(const std::string& file, StreamOrDevice s = {});

} // namespace mlx::core
