#include "core/primitives/indexing.h"

namespace mlx::core {

namespace {
template <typename P>
const P* as(const Primitive& other) {
  return dynamic_cast<const P*>(&other);
}
} // namespace

bool Gather::is_equivalent(const Primitive& other) const {
  auto* o = as<Gather>(other);
  return o && o->axes_ == axes_ && o->slice_sizes_ == slice_sizes_;
}

bool GatherAxis::is_equivalent(const Primitive& other) const {
  auto* o = as<GatherAxis>(other);
  return o && o->axis_ == axis_;
}

const char* Scatter::name() const {
  switch (reduce_type_) {
  case Sum:
    return "ScatterSum";
  case Prod:
    return "ScatterProd";
  case Max:
    return "ScatterMax";
  case Min:
    return "ScatterMin";
  case None:
    break;
  }
  return "Scatter";
}

bool Scatter::is_equivalent(const Primitive& other) const {
  auto* o = as<Scatter>(other);
  return o && o->reduce_type_ == reduce_type_ && o->axes_ == axes_;
}

bool ScatterAxis::is_equivalent(const Primitive& other) const {
  auto* o = as<ScatterAxis>(other);
  return o && o->reduce_type_ == reduce_type_ && o->axis_ == axis_;
}

bool SliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = as<SliceUpdate>(other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->strides_ == strides_;
}

bool DynamicSlice::is_equivalent(const Primitive& other) const {
  auto* o = as<DynamicSlice>(other);
  return o && o->axes_ == axes_ && o->slice_size_ == slice_size_;
}

bool DynamicSliceUpdate::is_equivalent(const Primitive& other) const {
  auto* o = as<DynamicSliceUpdate>(other);
  return o && o->axes_ == axes_;
}

} // namespace mlx::core
