// Evaluation and function transforms, as MLX's mlx/transforms.h.
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx::core {

/** Evaluate the arrays: run every unevaluated node they depend on. */
void eval(std::vector<array> outputs);

template <typename... Arrays, typename = enable_for_arrays_t<Arrays...>>
void eval(Arrays&&... outputs) {
  eval(std::vector<array>{std::forward<Arrays>(outputs)...});
}

/** Start evaluating the arrays and return; reading them waits for the result. */
void async_eval(std::vector<array> outputs);

template <typename... Arrays, typename = enable_for_arrays_t<Arrays...>>
void async_eval(Arrays&&... outputs) {
  async_eval(std::vector<array>{std::forward<Arrays>(outputs)...});
}

} // namespace mlx::core
