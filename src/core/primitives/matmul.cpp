#include "core/primitives/matmul.h"

namespace mlx::core {

namespace {

Shape product_shape(const array& a, const array& b) {
  Shape shape = a.shape();
  shape.back() = b.shape(-1);
  return shape;
}

} // namespace

bool Matmul::is_equivalent(const Primitive& other) const {
  return dynamic_cast<const Matmul*>(&other) != nullptr;
}

std::vector<Shape> Matmul::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1])};
}

bool AddMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AddMM*>(&other);
  return o && o->alpha_ == alpha_ && o->beta_ == beta_;
}

std::vector<Shape> AddMM::output_shapes(const std::vector<array>& inputs) {
  return {product_shape(inputs[0], inputs[1])};
}

bool GatherMM::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const GatherMM*>(&other);
  return o && o->left_sorted_ == left_sorted_ && o->right_sorted_ == right_sorted_;
}

} // namespace mlx::core
