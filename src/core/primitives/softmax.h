// Fused reductions along the last axis that compute a max, a sum of exponentials and a
// result in a few passes over each row, instead of a chain of generic ops.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Softmax over the last axis. Half types accumulate in float either way; `precise` is kept
// for MLX compatibility (there it selects float accumulation) and for equivalence.
class Softmax : public UnaryPrimitive {
public:
  Softmax(Stream stream, bool precise) : UnaryPrimitive(stream), precise_(precise) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Softmax"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

private:
  bool precise_;
};

// log(sum(exp(x))) over the last axis, which the output keeps with size 1.
class LogSumExp : public UnaryPrimitive {
public:
  explicit LogSumExp(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "LogSumExp"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
};

} // namespace mlx::core
