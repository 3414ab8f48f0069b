// jvp, vjp and vmap rules of the element-wise primitives. Each derivative is written once, as
// the partial derivative of the output with respect to an input: the vjp multiplies it by the
// cotangent, the jvp by the tangent.
#include <cmath>
#include <numbers>

#include "mlx/ops.h"

#include "core/primitives/elementwise.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {

// A scalar of x's dtype.
array scalar_like(double v, const array& x) {
  return array(v, x.dtype());
}

// d op(x) / dx, element-wise. `y` gives the output (recomputed by the jvp, reused by the vjp).
// Operations without a derivative (rounding, sign, logical) give zeros.
array unary_partial(UnaryOp op, const array& x, const std::function<array()>& y, Stream s) {
  auto one = scalar_like(1.0, x);
  switch (op) {
  case UnaryOp::Abs:
    return sign(x, s);
  case UnaryOp::ArcCos:
    return negative(rsqrt(subtract(one, square(x, s), s), s), s);
  case UnaryOp::ArcCosh:
    return rsqrt(subtract(square(x, s), one, s), s);
  case UnaryOp::ArcSin:
    return rsqrt(subtract(one, square(x, s), s), s);
  case UnaryOp::ArcSinh:
    return rsqrt(add(square(x, s), one, s), s);
  case UnaryOp::ArcTan:
    return reciprocal(add(one, square(x, s), s), s);
  case UnaryOp::ArcTanh:
    return reciprocal(subtract(one, square(x, s), s), s);
  case UnaryOp::Cos:
    return negative(sin(x, s), s);
  case UnaryOp::Cosh:
    return sinh(x, s);
  case UnaryOp::Erf:
    return multiply(scalar_like(2.0 / std::sqrt(std::numbers::pi), x),
                    exp(negative(square(x, s), s), s), s);
  case UnaryOp::ErfInv:
    return multiply(scalar_like(std::sqrt(std::numbers::pi) / 2.0, x), exp(square(y(), s), s), s);
  case UnaryOp::Exp:
    return y();
  case UnaryOp::Expm1:
    return add(y(), one, s);
  case UnaryOp::Log:
    return reciprocal(x, s);
  case UnaryOp::Log2:
    return reciprocal(multiply(x, scalar_like(std::numbers::ln2, x), s), s);
  case UnaryOp::Log10:
    return reciprocal(multiply(x, scalar_like(std::numbers::ln10, x), s), s);
  case UnaryOp::Log1p:
    return reciprocal(add(x, one, s), s);
  case UnaryOp::Negative:
    return negative(ones_like(x, s), s);
  case UnaryOp::Rsqrt:
    return multiply(scalar_like(-0.5, x), divide(y(), x, s), s);
  case UnaryOp::Sigmoid: {
    auto out = y();
    return multiply(out, subtract(one, out, s), s);
  }
  case UnaryOp::Sin:
    return cos(x, s);
  case UnaryOp::Sinh:
    return cosh(x, s);
  case UnaryOp::Sqrt:
    return divide(scalar_like(0.5, x), y(), s);
  case UnaryOp::Square:
    return multiply(scalar_like(2.0, x), x, s);
  case UnaryOp::Tan:
    return add(one, square(y(), s), s);
  case UnaryOp::Tanh:
    return subtract(one, square(y(), s), s);
  case UnaryOp::Conjugate:
  case UnaryOp::Real:
  case UnaryOp::Imag:
    throw std::invalid_argument(std::string("[") + unary_op_name(op) +
                                "] Derivatives of complex operations are not supported.");
  case UnaryOp::BitwiseInvert:
  case UnaryOp::Ceil:
  case UnaryOp::Floor:
  case UnaryOp::LogicalNot:
  case UnaryOp::Round:
  case UnaryOp::Sign:
    return zeros_like(x, s);
  }
  return zeros_like(x, s);
}

Dtype unary_out_dtype(UnaryOp op, Dtype in) {
  if (op == UnaryOp::LogicalNot) {
    return bool_;
  }
  if (in == complex64 && (op == UnaryOp::Abs || op == UnaryOp::Real || op == UnaryOp::Imag)) {
    return float32;
  }
  return in;
}

bool binary_gives_bool(BinaryOp op) {
  switch (op) {
  case BinaryOp::Equal:
  case BinaryOp::NaNEqual:
  case BinaryOp::NotEqual:
  case BinaryOp::Greater:
  case BinaryOp::GreaterEqual:
  case BinaryOp::Less:
  case BinaryOp::LessEqual:
  case BinaryOp::LogicalAnd:
  case BinaryOp::LogicalOr:
    return true;
  default:
    return false;
  }
}

// d op(x, y) / d input `which` (0: x, 1: y), element-wise; z is the output.
array binary_partial(BinaryOp op, int which, const array& x, const array& y,
                     const std::function<array()>& z, Stream s) {
  switch (op) {
  case BinaryOp::Add:
    return ones_like(x, s);
  case BinaryOp::Subtract:
    return which == 0 ? ones_like(x, s) : negative(ones_like(y, s), s);
  case BinaryOp::Multiply:
    return which == 0 ? y : x;
  case BinaryOp::Divide:
    return which == 0 ? reciprocal(y, s) : negative(divide(z(), y, s), s);
  case BinaryOp::Maximum: {
    auto x_wins = greater(x, y, s);
    return astype(which == 0 ? x_wins : logical_not(x_wins, s), x.dtype(), s);
  }
  case BinaryOp::Minimum: {
    auto x_wins = less(x, y, s);
    return astype(which == 0 ? x_wins : logical_not(x_wins, s), x.dtype(), s);
  }
  case BinaryOp::Power:
    // d/dx x^y = y x^(y-1); d/dy x^y = x^y log(x), taken as 0 where x = 0.
    if (which == 0) {
      return multiply(y, power(x, subtract(y, scalar_like(1.0, y), s), s), s);
    }
    return where(equal(x, scalar_like(0.0, x), s), zeros_like(x, s), multiply(z(), log(x, s), s),
                 s);
  case BinaryOp::LogAddExp:
    return which == 0 ? sigmoid(subtract(x, y, s), s) : sigmoid(subtract(y, x, s), s);
  case BinaryOp::ArcTan2: {
    auto r2 = add(square(x, s), square(y, s), s);
    return which == 0 ? divide(y, r2, s) : negative(divide(x, r2, s), s);
  }
  case BinaryOp::Remainder:
    // x - y floor(x / y)
    return which == 0 ? ones_like(x, s) : negative(floor_divide(x, y, s), s);
  default:
    return zeros_like(x, s); // comparisons, logic, bit operations, floor division
  }
}

} // namespace

std::vector<array> Unary::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents, const std::vector<int>&,
                              const std::vector<array>& outputs) {
  auto s = stream();
  if (!differentiable(outputs[0].dtype()) || !differentiable(primals[0].dtype())) {
    return {zero_cotangent(primals[0], s)};
  }
  auto d = unary_partial(
      op_, primals[0], [&] { return outputs[0]; }, s);
  return {multiply(cotangents[0], d, s)};
}

std::vector<array> Unary::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                              const std::vector<int>&) {
  auto s = stream();
  const auto& x = primals[0];
  auto out_dtype = unary_out_dtype(op_, x.dtype());
  if (!differentiable(out_dtype) || !differentiable(x.dtype())) {
    return {zeros(x.shape(), out_dtype, s)};
  }
  auto recompute = [&] {
    return array(x.shape(), out_dtype, std::make_shared<Unary>(s, op_), {x});
  };
  return {multiply(tangents[0], unary_partial(op_, x, recompute, s), s)};
}

std::pair<std::vector<array>, std::vector<int>> Unary::vmap(const std::vector<array>& inputs,
                                                            const std::vector<int>& axes) {
  const auto& x = inputs[0];
  return {{array(x.shape(), unary_out_dtype(op_, x.dtype()), std::make_shared<Unary>(stream(), op_),
                 {x})},
          {axes[0]}};
}

std::vector<array> Binary::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  auto s = stream();
  const auto &x = primals[0], &y = primals[1];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (!differentiable(outputs[0].dtype())) {
      vjps.push_back(zero_cotangent(primals[i], s));
    } else if (op_ == BinaryOp::Add) {
      vjps.push_back(cotangents[0]);
    } else if (op_ == BinaryOp::Subtract) {
      vjps.push_back(i == 0 ? cotangents[0] : negative(cotangents[0], s));
    } else {
      auto d = binary_partial(
          op_, i, x, y, [&] { return outputs[0]; }, s);
      vjps.push_back(multiply(cotangents[0], d, s));
    }
  }
  return vjps;
}

std::vector<array> Binary::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  const auto &x = primals[0], &y = primals[1];
  if (binary_gives_bool(op_) || !differentiable(x.dtype())) {
    return {zeros(x.shape(), binary_gives_bool(op_) ? bool_ : x.dtype(), s)};
  }
  auto recompute = [&] {
    return array(x.shape(), x.dtype(), std::make_shared<Binary>(s, op_), {x, y});
  };
  std::optional<array> total;
  for (size_t k = 0; k < argnums.size(); ++k) {
    int i = argnums[k];
    array term = tangents[k];
    if (op_ == BinaryOp::Subtract && i == 1) {
      term = negative(term, s);
    } else if (op_ != BinaryOp::Add && op_ != BinaryOp::Subtract) {
      term = multiply(term, binary_partial(op_, i, x, y, recompute, s), s);
    }
    total = total ? add(*total, term, s) : term;
  }
  return {*total};
}

std::pair<std::vector<array>, std::vector<int>> Binary::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  auto [aligned, shape] = batch_first_aligned(inputs, axes, stream());
  auto dtype = binary_gives_bool(op_) ? bool_ : aligned[0].dtype();
  return {{array(shape, dtype, std::make_shared<Binary>(stream(), op_), aligned)}, {0}};
}

std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  const auto& cond = primals[0];
  const auto& ct = cotangents[0];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      vjps.push_back(zero_cotangent(cond, s));
    } else {
      auto zero = zeros_like(ct, s);
      vjps.push_back(i == 1 ? where(cond, ct, zero, s) : where(cond, zero, ct, s));
    }
  }
  return vjps;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  auto s = stream();
  auto tx = zeros_like(primals[1], s);
  auto ty = zeros_like(primals[2], s);
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 1) {
      tx = tangents[k];
    } else if (argnums[k] == 2) {
      ty = tangents[k];
    }
  }
  return {where(primals[0], tx, ty, s)};
}

std::pair<std::vector<array>, std::vector<int>> Select::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  auto [aligned, shape] = batch_first_aligned(inputs, axes, stream());
  return {{array(shape, aligned[1].dtype(), std::make_shared<Select>(stream()), aligned)}, {0}};
}

std::vector<array> AsType::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents, const std::vector<int>&,
                               const std::vector<array>&) {
  const auto& x = primals[0];
  if (!differentiable(x.dtype()) || !differentiable(dtype_)) {
    return {zero_cotangent(x, stream())};
  }
  return {astype(cotangents[0], x.dtype(), stream())};
}

std::vector<array> AsType::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents, const std::vector<int>&) {
  if (!differentiable(primals[0].dtype()) || !differentiable(dtype_)) {
    return {zeros(primals[0].shape(), dtype_, stream())};
  }
  return {astype(tangents[0], dtype_, stream())};
}

std::pair<std::vector<array>, std::vector<int>> AsType::vmap(const std::vector<array>& inputs,
                                                             const std::vector<int>& axes) {
  const auto& x = inputs[0];
  return {{array(x.shape(), dtype_, std::make_shared<AsType>(stream(), dtype_), {x})}, {axes[0]}};
}

std::vector<array> Copy::vjp(const std::vector<array>&, const std::vector<array>& cotangents,
                             const std::vector<int>&, const std::vector<array>&) {
  return {cotangents[0]};
}

std::vector<array> Copy::jvp(const std::vector<array>&, const std::vector<array>& tangents,
                             const std::vector<int>&) {
  return {tangents[0]};
}

std::pair<std::vector<array>, std::vector<int>> Copy::vmap(const std::vector<array>& inputs,
                                                           const std::vector<int>& axes) {
  return {{copy(inputs[0], stream())}, {axes[0]}};
}

// divmod: the quotient is piecewise constant; the remainder x - y floor(x / y) is Remainder's.
std::vector<array> DivMod::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums, const std::vector<array>& outputs) {
  auto s = stream();
  const auto& ct = cotangents[1];
  std::vector<array> vjps;
  for (int i : argnums) {
    if (!differentiable(primals[i].dtype())) {
      vjps.push_back(zero_cotangent(primals[i], s));
    } else {
      vjps.push_back(i == 0 ? ct : negative(multiply(ct, outputs[0], s), s));
    }
  }
  return vjps;
}

} // namespace mlx::core
