#include "core/primitives/fft.h"

namespace mlx::core {

bool FFT::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const FFT*>(&other);
  return o && o->axes_ == axes_ && o->n_ == n_ && o->inverse_ == inverse_ && o->real_ == real_;
}

Shape FFT::work_shape(const Shape& in) const {
  Shape shape = in;
  for (size_t i = 0; i < axes_.size(); ++i) {
    shape[axes_[i]] = n_[i];
  }
  if (real_ && inverse_) {
    shape[axes_.back()] = n_.back() / 2 + 1;
  }
  return shape;
}

std::vector<Shape> FFT::output_shapes(const std::vector<array>& inputs) {
  Shape shape = work_shape(inputs[0].shape());
  if (real_) {
    shape[axes_.back()] = inverse_ ? n_.back() : n_.back() / 2 + 1;
  }
  return {shape};
}

} // namespace mlx::core
