// Helpers shared by the primitives' jvp, vjp and vmap rules.
#pragma once

#include <functional>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

// Zeros shaped like each of `primals[argnums]`: the rule of an input with no derivative.
array zero_cotangent(const array& primal, Stream s);

// Whether a derivative flows through values of this dtype (floating or complex).
bool differentiable(Dtype t);

// The vjp of `fun` with respect to `primals[argnums]`, the other primals held constant: rules
// of fused primitives written as the vjp of their unfused composition.
std::vector<array> vjp_of_composition(const std::function<array(const std::vector<array>&)>& fun,
                                      const std::vector<array>& primals, const array& cotangent,
                                      const std::vector<int>& argnums);

// Element-wise inputs (all of one unbatched shape) brought to one batched shape with the batch
// axis first; unbatched inputs are broadcast. Returns the inputs and the batched shape.
std::pair<std::vector<array>, Shape> batch_first_aligned(const std::vector<array>& inputs,
                                                         const std::vector<int>& axes, Stream s);

// `a` with its batch axis (or a new one of size `batch` when ax < 0) moved to the front.
array batch_to_front(const array& a, int ax, int batch, Stream s);

// The batch size of vmap inputs: the size of the first batched axis.
int batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);

} // namespace mlx::core
