// How an element-wise output is laid out given its inputs: it inherits the layout of a
// contiguous input (reusing a donatable input's buffer), or is allocated row-major.
#pragma once

#include <vector>

#include "mlx/array.h"

namespace mlx::core::cpu {

enum class ElementwiseLayout {
  // All inputs are scalars (data_size 1, possibly broadcast): compute once.
  Scalar,
  // Inputs are contiguous with identical strides, or scalars: one flat loop over data_size.
  Flat,
  // Anything else: strided loops, row-major output.
  General,
};

// Chooses the layout and gives `out` its data. For Flat, out takes the strides of the largest
// contiguous input and reuses a donatable input's buffer when the element size matches.
ElementwiseLayout prepare_elementwise_output(const std::vector<array>& inputs, array& out,
                                             bool allow_donation = true);

} // namespace mlx::core::cpu
