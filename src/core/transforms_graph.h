// Internal helpers shared by the function transforms (autodiff and vmap).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <unordered_set>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core::detail {

// Thrown by the Primitive defaults of jvp and vmap, so that the transforms can fall back to a
// rule derived from the primitive's vjp (jvp) or to a loop over the batch (vmap).
class TransformNotImplemented : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// The stream a transform puts new nodes for `a` on: its primitive's, else the default.
Stream stream_of(const array& a);

// The nodes reachable from `outputs` that depend on an array of `sources` (ids), inputs before
// their users, not crossing stop_gradient. `sources` grows by the ids of those nodes and their
// siblings. Clears the tracer flag of every node visited, so evaluated nodes detach again.
std::vector<array> dependent_tape(const std::vector<array>& outputs,
                                  std::unordered_set<std::uintptr_t>& sources,
                                  bool stop_at_stop_gradient);

// vjp without the checks on the primals' dtypes (used for derived rules).
std::pair<std::vector<array>, std::vector<array>>
vjp_unchecked(const std::function<std::vector<array>(const std::vector<array>&)>& fun,
              const std::vector<array>& primals, const std::vector<array>& cotangents);

} // namespace mlx::core::detail
