// Names and equivalence of the element-wise primitives.
#include "core/primitives/elementwise.h"

namespace mlx::core {

const char* unary_op_name(UnaryOp op) {
  switch (op) {
  case UnaryOp::Abs:
    return "Abs";
  case UnaryOp::ArcCos:
    return "ArcCos";
  case UnaryOp::ArcCosh:
    return "ArcCosh";
  case UnaryOp::ArcSin:
    return "ArcSin";
  case UnaryOp::ArcSinh:
    return "ArcSinh";
  case UnaryOp::ArcTan:
    return "ArcTan";
  case UnaryOp::ArcTanh:
    return "ArcTanh";
  case UnaryOp::BitwiseInvert:
    return "BitwiseInvert";
  case UnaryOp::Ceil:
    return "Ceil";
  case UnaryOp::Conjugate:
    return "Conjugate";
  case UnaryOp::Cos:
    return "Cos";
  case UnaryOp::Cosh:
    return "Cosh";
  case UnaryOp::Erf:
    return "Erf";
  case UnaryOp::ErfInv:
    return "ErfInv";
  case UnaryOp::Exp:
    return "Exp";
  case UnaryOp::Expm1:
    return "Expm1";
  case UnaryOp::Floor:
    return "Floor";
  case UnaryOp::Imag:
    return "Imag";
  case UnaryOp::Log:
    return "Log";
  case UnaryOp::Log2:
    return "Log2";
  case UnaryOp::Log10:
    return "Log10";
  case UnaryOp::Log1p:
    return "Log1p";
  case UnaryOp::LogicalNot:
    return "LogicalNot";
  case UnaryOp::Negative:
    return "Negative";
  case UnaryOp::Real:
    return "Real";
  case UnaryOp::Round:
    return "Round";
  case UnaryOp::Rsqrt:
    return "Rsqrt";
  case UnaryOp::Sigmoid:
    return "Sigmoid";
  case UnaryOp::Sign:
    return "Sign";
  case UnaryOp::Sin:
    return "Sin";
  case UnaryOp::Sinh:
    return "Sinh";
  case UnaryOp::Sqrt:
    return "Sqrt";
  case UnaryOp::Square:
    return "Square";
  case UnaryOp::Tan:
    return "Tan";
  case UnaryOp::Tanh:
    return "Tanh";
  }
  return "Unary";
}

const char* binary_op_name(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add:
    return "Add";
  case BinaryOp::ArcTan2:
    return "ArcTan2";
  case BinaryOp::BitwiseAnd:
    return "BitwiseAnd";
  case BinaryOp::BitwiseOr:
    return "BitwiseOr";
  case BinaryOp::BitwiseXor:
    return "BitwiseXor";
  case BinaryOp::Divide:
    return "Divide";
  case BinaryOp::Equal:
    return "Equal";
  case BinaryOp::NaNEqual:
    return "NaNEqual";
  case BinaryOp::FloorDivide:
    return "FloorDivide";
  case BinaryOp::Greater:
    return "Greater";
  case BinaryOp::GreaterEqual:
    return "GreaterEqual";
  case BinaryOp::LeftShift:
    return "LeftShift";
  case BinaryOp::Less:
    return "Less";
  case BinaryOp::LessEqual:
    return "LessEqual";
  case BinaryOp::LogAddExp:
    return "LogAddExp";
  case BinaryOp::LogicalAnd:
    return "LogicalAnd";
  case BinaryOp::LogicalOr:
    return "LogicalOr";
  case BinaryOp::Maximum:
    return "Maximum";
  case BinaryOp::Minimum:
    return "Minimum";
  case BinaryOp::Multiply:
    return "Multiply";
  case BinaryOp::NotEqual:
    return "NotEqual";
  case BinaryOp::Power:
    return "Power";
  case BinaryOp::Remainder:
    return "Remainder";
  case BinaryOp::RightShift:
    return "RightShift";
  case BinaryOp::Subtract:
    return "Subtract";
  }
  return "Binary";
}

bool Unary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Unary*>(&other);
  return o && o->op_ == op_;
}

bool Binary::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Binary*>(&other);
  return o && o->op_ == op_;
}

bool AsType::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const AsType*>(&other);
  return o && o->dtype_ == dtype_;
}

} // namespace mlx::core
