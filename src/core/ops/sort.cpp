// Sorting: sort, argsort, partition, argpartition, topk, searchsorted. The overloads without an
// axis work on the flattened array, as MLX's do.
#include "core/primitives/sort.h"

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

array flat(const array& a, StreamOrDevice s) {
  return reshape(a, {static_cast<int>(a.size())}, s);
}

array sort_along(const char* op, SortType type, const array& a, int axis, StreamOrDevice s) {
  int ax = normalize_axis(op, axis, a.ndim());
  Dtype dtype = type == SortType::Sort ? a.dtype() : uint32;
  return array(a.shape(), dtype, std::make_shared<Sort>(to_stream(s), type, ax), {a});
}

array partition_along(const char* op, SortType type, const array& a, int kth, int axis,
                      StreamOrDevice s) {
  int ax = normalize_axis(op, axis, a.ndim());
  int kth_ = kth < 0 ? kth + a.shape(ax) : kth;
  if (kth_ < 0 || kth_ >= a.shape(ax)) {
    throw op_error(op, "Received invalid kth ", kth, " along axis ", axis,
                   " for array with shape: ", a.shape());
  }
  Dtype dtype = type == SortType::Partition ? a.dtype() : uint32;
  return array(a.shape(), dtype, std::make_shared<Sort>(to_stream(s), type, ax, kth_), {a});
}

} // namespace

array sort(const array& a, StreamOrDevice s) {
  return sort(flat(a, s), 0, s);
}
array sort(const array& a, int axis, StreamOrDevice s) {
  return sort_along("sort", SortType::Sort, a, axis, s);
}

array argsort(const array& a, StreamOrDevice s) {
  return argsort(flat(a, s), 0, s);
}
array argsort(const array& a, int axis, StreamOrDevice s) {
  return sort_along("argsort", SortType::ArgSort, a, axis, s);
}

array partition(const array& a, int kth, StreamOrDevice s) {
  return partition(flat(a, s), kth, 0, s);
}
array partition(const array& a, int kth, int axis, StreamOrDevice s) {
  return partition_along("partition", SortType::Partition, a, kth, axis, s);
}

array argpartition(const array& a, int kth, StreamOrDevice s) {
  return argpartition(flat(a, s), kth, 0, s);
}
array argpartition(const array& a, int kth, int axis, StreamOrDevice s) {
  return partition_along("argpartition", SortType::ArgPartition, a, kth, axis, s);
}

array topk(const array& a, int k, StreamOrDevice s) {
  return topk(flat(a, s), k, 0, s);
}
array topk(const array& a, int k, int axis, StreamOrDevice s) {
  int ax = normalize_axis("topk", axis, a.ndim());
  if (k < 0 || k > a.shape(ax)) {
    throw op_error("topk", "Received invalid k=", k, " along axis ", axis,
                   " for array with shape: ", a.shape());
  }
  if (k == a.shape(ax)) {
    return a;
  }
  // The k largest values, in the order the partition leaves them (not sorted), as MLX.
  auto partitioned = partition(a, -k, ax, s);
  Shape start(a.ndim(), 0);
  start[ax] = a.shape(ax) - k;
  return slice(partitioned, std::move(start), a.shape(), s);
}

array searchsorted(const array& a, const array& v, bool right, StreamOrDevice s) {
  if (a.ndim() == 0) {
    throw op_error("searchsorted", "The sorted array must have at least one dimension.");
  }
  if (a.ndim() > 1) {
    bool leading_match = v.ndim() == a.ndim() &&
                         std::equal(a.shape().begin(), a.shape().end() - 1, v.shape().begin());
    if (!leading_match) {
      throw op_error("searchsorted", "Values of shape ", v.shape(),
                     " must share the leading axes of the sorted array of shape ", a.shape(), ".");
    }
  }
  auto dtype = promote_types(a.dtype(), v.dtype());
  auto inputs = std::vector<array>{cast_if_needed(a, dtype, s), cast_if_needed(v, dtype, s)};
  return array(v.shape(), uint32, std::make_shared<SearchSorted>(to_stream(s), right),
               std::move(inputs));
}

} // namespace mlx::core
