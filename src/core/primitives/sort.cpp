#include "core/primitives/sort.h"

namespace mlx::core {

const char* Sort::name() const {
  switch (type_) {
  case SortType::Sort:
    return "Sort";
  case SortType::ArgSort:
    return "ArgSort";
  case SortType::Partition:
    return "Partition";
  case SortType::ArgPartition:
    return "ArgPartition";
  }
  return "Sort";
}

bool Sort::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Sort*>(&other);
  return o && o->type_ == type_ && o->axis_ == axis_ && o->kth_ == kth_;
}

bool SearchSorted::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const SearchSorted*>(&other);
  return o && o->right_ == right_;
}

} // namespace mlx::core
