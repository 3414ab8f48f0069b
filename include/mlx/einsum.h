// Einstein summation, as MLX's mlx/einsum.h.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/utils.h"

namespace mlx::core {

/**
 * The contraction order einsum would use: for each step, the positions (in the current list
 * of operands, where each step's result is appended) of the operands it combines; and a
 * printable summary of the naive and optimized costs.
 */
std::pair<std::vector<std::vector<int>>, std::string>
einsum_path(const std::string& subscripts, const std::vector<array>& operands);

/** Einstein summation over the operands ("ij,jk->ik", implicit output, "..." broadcasting). */
array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});

} // namespace mlx::core
