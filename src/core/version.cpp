#include "mlx/version.h"

namespace mlx::core {

const char* version() {
  return "0.1.0";
}

} // namespace mlx::core
