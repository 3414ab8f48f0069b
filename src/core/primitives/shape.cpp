#include "core/primitives/shape.h"

namespace mlx::core {

namespace {
template <typename P>
const P* as(const Primitive& other) {
  return dynamic_cast<const P*>(&other);
}
} // namespace

bool Reshape::is_equivalent(const Primitive& other) const {
  auto* o = as<Reshape>(other);
  return o && o->shape_ == shape_;
}
bool Transpose::is_equivalent(const Primitive& other) const {
  auto* o = as<Transpose>(other);
  return o && o->axes_ == axes_;
}
bool Broadcast::is_equivalent(const Primitive& other) const {
  auto* o = as<Broadcast>(other);
  return o && o->shape_ == shape_;
}
bool Slice::is_equivalent(const Primitive& other) const {
  auto* o = as<Slice>(other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->strides_ == strides_;
}
bool AsStrided::is_equivalent(const Primitive& other) const {
  auto* o = as<AsStrided>(other);
  return o && o->shape_ == shape_ && o->strides_ == strides_ && o->offset_ == offset_;
}
bool Contiguous::is_equivalent(const Primitive& other) const {
  auto* o = as<Contiguous>(other);
  return o && o->allow_col_major_ == allow_col_major_;
}
bool View::is_equivalent(const Primitive& other) const {
  auto* o = as<View>(other);
  return o && o->dtype_ == dtype_;
}
bool Concatenate::is_equivalent(const Primitive& other) const {
  auto* o = as<Concatenate>(other);
  return o && o->axis_ == axis_;
}
bool Pad::is_equivalent(const Primitive& other) const {
  auto* o = as<Pad>(other);
  return o && o->axes_ == axes_ && o->low_pad_size_ == low_pad_size_ &&
         o->high_pad_size_ == high_pad_size_;
}
bool Diagonal::is_equivalent(const Primitive& other) const {
  auto* o = as<Diagonal>(other);
  return o && o->offset_ == offset_ && o->axis1_ == axis1_ && o->axis2_ == axis2_;
}
bool Arange::is_equivalent(const Primitive& other) const {
  auto* o = as<Arange>(other);
  return o && o->start_ == start_ && o->stop_ == stop_ && o->step_ == step_;
}

} // namespace mlx::core
