#include "core/primitives/quantized.h"

namespace mlx::core {

bool AffineQuantize::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AffineQuantize*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_;
}

bool AffineDequantize::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AffineDequantize*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_;
}

bool QuantizedMatmul::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const QuantizedMatmul*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_ && o->transpose_ == transpose_;
}

bool GatherQMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherQMM*>(&other);
  return o && o->group_size_ == group_size_ && o->bits_ == bits_ && o->transpose_ == transpose_ &&
         o->left_sorted_ == left_sorted_ && o->right_sorted_ == right_sorted_;
}

} // namespace mlx::core
