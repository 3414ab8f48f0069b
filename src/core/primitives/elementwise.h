// Element-wise primitives: one class per arity, the math chosen by an enum, so that a backend
// dispatches once per op rather than once per element.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

enum class UnaryOp {
  Abs,
  ArcCos,
  ArcCosh,
  ArcSin,
  ArcSinh,
  ArcTan,
  ArcTanh,
  BitwiseInvert,
  Ceil,
  Conjugate,
  Cos,
  Cosh,
  Erf,
  ErfInv,
  Exp,
  Expm1,
  Floor,
  Imag,
  Log,
  Log2,
  Log10,
  Log1p,
  LogicalNot,
  Negative,
  Real,
  Round,
  Rsqrt,
  Sigmoid,
  Sign,
  Sin,
  Sinh,
  Sqrt,
  Square,
  Tan,
  Tanh,
};

const char* unary_op_name(UnaryOp op);

class Unary : public UnaryPrimitive {
public:
  Unary(Stream stream, UnaryOp op) : UnaryPrimitive(stream), op_(op) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return unary_op_name(op_); }
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
  UnaryOp op() const { return op_; }

private:
  UnaryOp op_;
};

enum class BinaryOp {
  Add,
  ArcTan2,
  BitwiseAnd,
  BitwiseOr,
  BitwiseXor,
  Divide,
  Equal,
  NaNEqual, // equal, with NaN == NaN (array_equal(equal_nan=true), isclose)
  FloorDivide,
  Greater,
  GreaterEqual,
  LeftShift,
  Less,
  LessEqual,
  LogAddExp,
  LogicalAnd,
  LogicalOr,
  Maximum,
  Minimum,
  Multiply,
  NotEqual,
  Power,
  Remainder,
  RightShift,
  Subtract,
};

const char* binary_op_name(BinaryOp op);

// Inputs are already broadcast to the output shape and cast to a common dtype.
class Binary : public UnaryPrimitive {
public:
  Binary(Stream stream, BinaryOp op) : UnaryPrimitive(stream), op_(op) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return binary_op_name(op_); }
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
  BinaryOp op() const { return op_; }

private:
  BinaryOp op_;
};

// Quotient and remainder together (floor division semantics, as numpy's divmod).
class DivMod : public Primitive {
public:
  explicit DivMod(Stream stream) : Primitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "DivMod"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape(), inputs[0].shape()};
  }
};

// where(condition, x, y): inputs broadcast to the output shape; x and y share the out dtype.
class Select : public UnaryPrimitive {
public:
  explicit Select(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Select"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
};

// Converts to the output's dtype (astype); with the same dtype, a copy.
class AsType : public UnaryPrimitive {
public:
  AsType(Stream stream, Dtype dtype) : UnaryPrimitive(stream), dtype_(dtype) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AsType"; }
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
  Dtype dtype_;
};

// A copy into a new buffer.
class Copy : public UnaryPrimitive {
public:
  explicit Copy(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Copy"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
};

} // namespace mlx::core
