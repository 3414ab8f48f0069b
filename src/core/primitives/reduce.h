// Reductions over a set of axes, and arg-reductions along one axis.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

enum class ReduceType { And, Or, Sum, Prod, Min, Max };

// Reduces `axes` of the input; the output keeps them with size 1 (ops reshape for !keepdims).
// Output dtypes: bool for And/Or; for Sum and Prod, int32 for bool and signed integers of up
// to 32 bits, uint32 for unsigned ones of up to 32 bits, the input's otherwise (a Sum of a
// half type may also ask for float32); Min and Max keep the input's.
class Reduce : public UnaryPrimitive {
public:
  Reduce(Stream stream, ReduceType type, std::vector<int> axes)
      : UnaryPrimitive(stream), type_(type), axes_(std::move(axes)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override;
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  ReduceType type() const { return type_; }
  const std::vector<int>& axes() const { return axes_; }

private:
  ReduceType type_;
  std::vector<int> axes_;
};

enum class ArgReduceType { ArgMin, ArgMax };

// Index (uint32) of the first min/max along `axis`; the output keeps the axis with size 1.
class ArgReduce : public UnaryPrimitive {
public:
  ArgReduce(Stream stream, ArgReduceType type, int axis)
      : UnaryPrimitive(stream), type_(type), axis_(axis) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return type_ == ArgReduceType::ArgMin ? "ArgMin" : "ArgMax"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

  ArgReduceType type() const { return type_; }
  int axis() const { return axis_; }

private:
  ArgReduceType type_;
  int axis_;
};

} // namespace mlx::core
