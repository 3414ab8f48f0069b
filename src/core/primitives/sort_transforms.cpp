// The vjp of sorting: each sorted value's cotangent goes back to the position it came from,
// found by the (stable) argsort that produced the same order.
#include "mlx/ops.h"

#include "core/primitives/indexing.h"
#include "core/primitives/sort.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

std::vector<array> Sort::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>&,
                             const std::vector<array>&) {
  auto s = stream();
  const auto& x = primals[0];
  if (type_ == SortType::ArgSort || type_ == SortType::ArgPartition || !differentiable(x.dtype())) {
    return {zero_cotangent(x, s)};
  }
  if (type_ == SortType::Partition) {
    // The value and index partitions need not order the elements on each side alike.
    throw std::invalid_argument("[Partition] vjp is not implemented; use sort.");
  }
  auto order = array(x.shape(), uint32, std::make_shared<Sort>(s, SortType::ArgSort, axis_), {x});
  return {array(x.shape(), x.dtype(), std::make_shared<ScatterAxis>(s, ScatterAxis::Sum, axis_),
                {zeros_like(x, s), order, cotangents[0]})};
}

} // namespace mlx::core
