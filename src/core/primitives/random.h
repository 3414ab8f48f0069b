// Counter-based random bits: threefry2x32 hashes of (key, counter), laid out as MLX lays them
// out so that the same key gives MLX's numbers.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Input: keys of shape (..., 2) uint32. Output: the keys' leading shape followed by the
// requested shape, of `width` bytes per element (1, 2 or 4; uint8, uint16 or uint32).
class RandomBits : public UnaryPrimitive {
public:
  RandomBits(Stream stream, Shape shape, int width)
      : UnaryPrimitive(stream), shape_(std::move(shape)), width_(width) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "RandomBits"; }
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

private:
  Shape shape_;
  int width_;
};

} // namespace mlx::core
