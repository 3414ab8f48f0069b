// Element-wise math ops: dtype rules, broadcasting, and the C++ operators.
#include "core/primitives/elementwise.h"

#include <cmath>
#include <limits>

#include "core/ops/ops_common.h"
#include "core/primitives/custom.h"

namespace mlx::core {

namespace {

array unary(UnaryOp op, const array& a, Dtype out_dtype, StreamOrDevice s) {
  return array(a.shape(), out_dtype, std::make_shared<Unary>(to_stream(s), op), {a});
}

// The float version of `a` for transcendental functions (integers compute in float32).
array unary_float(UnaryOp op, const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return unary(op, cast_if_needed(a, dtype, s), dtype, s);
}

// Promotes a and b to `compute`, broadcasts them, and applies op with output dtype `out`.
array binary(BinaryOp op, const array& a, const array& b, Dtype compute, Dtype out,
             const char* name, StreamOrDevice s) {
  auto [x, y] =
      broadcast_pair(cast_if_needed(a, compute, s), cast_if_needed(b, compute, s), name, s);
  auto shape = x.shape();
  return array(std::move(shape), out, std::make_shared<Binary>(to_stream(s), op),
               {std::move(x), std::move(y)});
}

array arithmetic(BinaryOp op, const array& a, const array& b, const char* name, StreamOrDevice s) {
  auto dtype = promote_types(a.dtype(), b.dtype());
  return binary(op, a, b, dtype, dtype, name, s);
}

array comparison(BinaryOp op, const array& a, const array& b, const char* name, StreamOrDevice s) {
  return binary(op, a, b, promote_types(a.dtype(), b.dtype()), bool_, name, s);
}

void require_not_complex(const char* op, const array& a) {
  if (a.dtype() == complex64) {
    throw op_error(op, "Not supported for complex64.");
  }
}

void require_integer(const char* op, const array& a, const array& b) {
  auto t = promote_types(a.dtype(), b.dtype());
  if (!issubdtype(t, integer) && t != bool_) {
    throw op_error(op, "Only integer and boolean types are supported, got ", t, ".");
  }
}

} // namespace

// Unary ops.

array abs(const array& a, StreamOrDevice s) {
  return unary(UnaryOp::Abs, a, a.dtype() == complex64 ? float32 : a.dtype(), s);
}

array negative(const array& a, StreamOrDevice s) {
  if (a.dtype() == bool_) {
    throw op_error("negative",
                   "The negative of a boolean array is not supported; use logical_not.");
  }
  return unary(UnaryOp::Negative, a, a.dtype(), s);
}
array operator-(const array& a) {
  return negative(a);
}

array sign(const array& a, StreamOrDevice s) {
  return unary(UnaryOp::Sign, a, a.dtype(), s);
}

array logical_not(const array& a, StreamOrDevice s) {
  return unary(UnaryOp::LogicalNot, a, bool_, s);
}
array operator!(const array& a) {
  return logical_not(a);
}

array reciprocal(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return divide(array(1.0f, dtype), a, s);
}

array floor(const array& a, StreamOrDevice s) {
  require_not_complex("floor", a);
  return unary(UnaryOp::Floor, a, a.dtype(), s);
}
array ceil(const array& a, StreamOrDevice s) {
  require_not_complex("ceil", a);
  return unary(UnaryOp::Ceil, a, a.dtype(), s);
}
array square(const array& a, StreamOrDevice s) {
  return unary(UnaryOp::Square, a, a.dtype(), s);
}
array exp(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Exp, a, s);
}
array sin(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Sin, a, s);
}
array cos(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Cos, a, s);
}
array tan(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Tan, a, s);
}
array arcsin(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcSin, a, s);
}
array arccos(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcCos, a, s);
}
array arctan(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcTan, a, s);
}
array sinh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Sinh, a, s);
}
array cosh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Cosh, a, s);
}
array tanh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Tanh, a, s);
}
array arcsinh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcSinh, a, s);
}
array arccosh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcCosh, a, s);
}
array arctanh(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::ArcTanh, a, s);
}
array log(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Log, a, s);
}
array log2(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Log2, a, s);
}
array log10(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Log10, a, s);
}
array sqrt(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Sqrt, a, s);
}
array rsqrt(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Rsqrt, a, s);
}

array log1p(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Log1p, a, s);
}
array expm1(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Expm1, a, s);
}
array sigmoid(const array& a, StreamOrDevice s) {
  return unary_float(UnaryOp::Sigmoid, a, s);
}
array erf(const array& a, StreamOrDevice s) {
  require_not_complex("erf", a);
  return unary_float(UnaryOp::Erf, a, s);
}
array erfinv(const array& a, StreamOrDevice s) {
  require_not_complex("erfinv", a);
  return unary_float(UnaryOp::ErfInv, a, s);
}

array degrees(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return multiply(a, array(180.0 / M_PI, dtype), s);
}
array radians(const array& a, StreamOrDevice s) {
  auto dtype = at_least_float(a.dtype());
  return multiply(a, array(M_PI / 180.0, dtype), s);
}

array stop_gradient(const array& a, StreamOrDevice s) {
  return array(a.shape(), a.dtype(), std::make_shared<StopGradient>(to_stream(s)), {a});
}

array round(const array& a, int decimals, StreamOrDevice s) {
  bool exact = !issubdtype(a.dtype(), inexact);
  if (decimals == 0 || (exact && decimals > 0)) {
    return unary(UnaryOp::Round, a, a.dtype(), s);
  }
  // Scale, round half to even, scale back. As numpy, negative decimals divide by the exact
  // power of ten rather than multiplying by an inexact 0.1, 0.01, ...; integers (rounded to
  // tens, hundreds, ...) go through float64 so that large values keep every digit.
  auto dtype = exact ? float64 : a.dtype();
  auto x = astype(a, dtype, s);
  auto factor = array(std::pow(10.0, std::abs(decimals)), dtype);
  auto scaled = decimals > 0 ? multiply(x, factor, s) : divide(x, factor, s);
  auto rounded = unary(UnaryOp::Round, scaled, dtype, s);
  rounded = decimals > 0 ? divide(rounded, factor, s) : multiply(rounded, factor, s);
  return astype(rounded, a.dtype(), s);
}

array conjugate(const array& a, StreamOrDevice s) {
  return a.dtype() == complex64 ? unary(UnaryOp::Conjugate, a, a.dtype(), s) : a;
}
array real(const array& a, StreamOrDevice s) {
  return a.dtype() == complex64 ? unary(UnaryOp::Real, a, float32, s) : a;
}
array imag(const array& a, StreamOrDevice s) {
  return a.dtype() == complex64 ? unary(UnaryOp::Imag, a, float32, s) : zeros_like(a, s);
}

array bitwise_invert(const array& a, StreamOrDevice s) {
  if (issubdtype(a.dtype(), inexact)) {
    throw op_error("bitwise_invert", "Floating point types are not supported.");
  }
  return unary(UnaryOp::BitwiseInvert, a, a.dtype(), s);
}
array operator~(const array& a) {
  return bitwise_invert(a);
}

// Binary ops.

array add(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Add, a, b, "add", s);
}
array subtract(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Subtract, a, b, "subtract", s);
}
array multiply(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Multiply, a, b, "multiply", s);
}
array divide(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary(BinaryOp::Divide, a, b, dtype, dtype, "divide", s);
}
array floor_divide(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) {
    throw op_error("floor_divide", "Not supported for complex64.");
  }
  if (issubdtype(dtype, inexact)) {
    // As MLX: the quotient rounded to the dtype, then floored.
    auto [x, y] = broadcast_pair(a, b, "floor_divide", s);
    return floor(divide(x, y, s), s);
  }
  // Integers floor (numpy's and Python's //; MLX up to 0.32 truncates towards zero).
  return binary(BinaryOp::FloorDivide, a, b, dtype, dtype, "floor_divide", s);
}
array remainder(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) {
    throw op_error("remainder", "Not supported for complex64.");
  }
  return binary(BinaryOp::Remainder, a, b, dtype, dtype, "remainder", s);
}
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  // The quotient floors and the remainder takes the divisor's sign, as numpy's divmod (MLX up
  // to 0.32 truncates the quotient).
  auto dtype = promote_types(a.dtype(), b.dtype());
  if (dtype == complex64) {
    throw op_error("divmod", "Not supported for complex64.");
  }
  auto [x, y] =
      broadcast_pair(cast_if_needed(a, dtype, s), cast_if_needed(b, dtype, s), "divmod", s);
  return array::make_arrays({x.shape(), x.shape()}, {dtype, dtype},
                            std::make_shared<DivMod>(to_stream(s)), {x, y});
}
array maximum(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Maximum, a, b, "maximum", s);
}
array minimum(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Minimum, a, b, "minimum", s);
}
array power(const array& a, const array& b, StreamOrDevice s) {
  return arithmetic(BinaryOp::Power, a, b, "power", s);
}
array arctan2(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  if (dtype == complex64) {
    throw op_error("arctan2", "Not supported for complex64.");
  }
  return binary(BinaryOp::ArcTan2, a, b, dtype, dtype, "arctan2", s);
}
array logaddexp(const array& a, const array& b, StreamOrDevice s) {
  auto dtype = at_least_float(promote_types(a.dtype(), b.dtype()));
  return binary(BinaryOp::LogAddExp, a, b, dtype, dtype, "logaddexp", s);
}

array equal(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::Equal, a, b, "equal", s);
}
array not_equal(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::NotEqual, a, b, "not_equal", s);
}
array greater(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::Greater, a, b, "greater", s);
}
array greater_equal(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::GreaterEqual, a, b, "greater_equal", s);
}
array less(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::Less, a, b, "less", s);
}
array less_equal(const array& a, const array& b, StreamOrDevice s) {
  return comparison(BinaryOp::LessEqual, a, b, "less_equal", s);
}

array logical_and(const array& a, const array& b, StreamOrDevice s) {
  return binary(BinaryOp::LogicalAnd, astype(a, bool_, s), astype(b, bool_, s), bool_, bool_,
                "logical_and", s);
}
array operator&&(const array& a, const array& b) {
  return logical_and(a, b);
}
array logical_or(const array& a, const array& b, StreamOrDevice s) {
  return binary(BinaryOp::LogicalOr, astype(a, bool_, s), astype(b, bool_, s), bool_, bool_,
                "logical_or", s);
}
array operator||(const array& a, const array& b) {
  return logical_or(a, b);
}

array bitwise_and(const array& a, const array& b, StreamOrDevice s) {
  require_integer("bitwise_and", a, b);
  return arithmetic(BinaryOp::BitwiseAnd, a, b, "bitwise_and", s);
}
array bitwise_or(const array& a, const array& b, StreamOrDevice s) {
  require_integer("bitwise_or", a, b);
  return arithmetic(BinaryOp::BitwiseOr, a, b, "bitwise_or", s);
}
array bitwise_xor(const array& a, const array& b, StreamOrDevice s) {
  require_integer("bitwise_xor", a, b);
  return arithmetic(BinaryOp::BitwiseXor, a, b, "bitwise_xor", s);
}
array left_shift(const array& a, const array& b, StreamOrDevice s) {
  require_integer("left_shift", a, b);
  auto dtype = promote_types(a.dtype(), b.dtype());
  dtype = dtype == bool_ ? uint8 : dtype;
  return binary(BinaryOp::LeftShift, a, b, dtype, dtype, "left_shift", s);
}
array right_shift(const array& a, const array& b, StreamOrDevice s) {
  require_integer("right_shift", a, b);
  auto dtype = promote_types(a.dtype(), b.dtype());
  dtype = dtype == bool_ ? uint8 : dtype;
  return binary(BinaryOp::RightShift, a, b, dtype, dtype, "right_shift", s);
}

array operator+(const array& a, const array& b) {
  return add(a, b);
}
array operator-(const array& a, const array& b) {
  return subtract(a, b);
}
array operator*(const array& a, const array& b) {
  return multiply(a, b);
}
array operator/(const array& a, const array& b) {
  return divide(a, b);
}
array operator/(double a, const array& b) {
  return divide(array(a), b);
}
array operator/(const array& a, double b) {
  return divide(a, array(b));
}
array operator%(const array& a, const array& b) {
  return remainder(a, b);
}
array operator&(const array& a, const array& b) {
  return bitwise_and(a, b);
}
array operator|(const array& a, const array& b) {
  return bitwise_or(a, b);
}
array operator^(const array& a, const array& b) {
  return bitwise_xor(a, b);
}
array operator<<(const array& a, const array& b) {
  return left_shift(a, b);
}
array operator>>(const array& a, const array& b) {
  return right_shift(a, b);
}

// Selection and tests.

array where(const array& condition, const array& x, const array& y, StreamOrDevice s) {
  auto dtype = promote_types(x.dtype(), y.dtype());
  Shape shape;
  try {
    shape = broadcast_shapes(broadcast_shapes(condition.shape(), x.shape()), y.shape());
  } catch (const std::invalid_argument&) {
    std::ostringstream msg;
    msg << condition.shape() << ", " << x.shape() << " and " << y.shape();
    throw op_error("where", "Shapes ", msg.str(), " cannot be broadcast.");
  }
  std::vector<array> inputs = {broadcast_to(cast_if_needed(condition, bool_, s), shape, s),
                               broadcast_to(cast_if_needed(x, dtype, s), shape, s),
                               broadcast_to(cast_if_needed(y, dtype, s), shape, s)};
  return array(std::move(shape), dtype, std::make_shared<Select>(to_stream(s)), std::move(inputs));
}

// Integers and bools are never NaN or infinite. A complex value is NaN when either part is, and
// (as MLX) +-inf only when it equals +-inf + 0j.
array isnan(const array& a, StreamOrDevice s) {
  if (!issubdtype(a.dtype(), inexact)) {
    return full(a.shape(), false, s);
  }
  return not_equal(a, a, s);
}

array isinf(const array& a, StreamOrDevice s) {
  if (!issubdtype(a.dtype(), inexact)) {
    return full(a.shape(), false, s);
  }
  return logical_or(isposinf(a, s), isneginf(a, s), s);
}

array isfinite(const array& a, StreamOrDevice s) {
  if (!issubdtype(a.dtype(), inexact)) {
    return full(a.shape(), true, s);
  }
  return logical_not(logical_or(isinf(a, s), isnan(a, s), s), s);
}

array isposinf(const array& a, StreamOrDevice s) {
  if (!issubdtype(a.dtype(), inexact)) {
    return full(a.shape(), false, s);
  }
  return equal(a, array(std::numeric_limits<float>::infinity(), a.dtype()), s);
}

array isneginf(const array& a, StreamOrDevice s) {
  if (!issubdtype(a.dtype(), inexact)) {
    return full(a.shape(), false, s);
  }
  return equal(a, array(-std::numeric_limits<float>::infinity(), a.dtype()), s);
}

array nan_to_num(const array& a, float nan, const std::optional<float> posinf,
                 const std::optional<float> neginf, StreamOrDevice s) {
  auto dtype = a.dtype();
  if (!issubdtype(dtype, inexact)) {
    return a;
  }
  require_not_complex("nan_to_num", a);
  // Infinities become the dtype's largest finite values unless given.
  auto type = finfo(dtype);
  auto pos = posinf ? array(*posinf, dtype) : array(type.max, dtype);
  auto neg = neginf ? array(*neginf, dtype) : array(type.min, dtype);
  auto out = where(isnan(a, s), array(nan, dtype), a, s);
  out = where(isposinf(a, s), pos, out, s);
  return where(isneginf(a, s), neg, out, s);
}

array isclose(const array& a_in, const array& b_in, double rtol, double atol, bool equal_nan,
              StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with infinities equal only to themselves. Integers compare
  // as floats (as numpy), so that a - b cannot wrap around.
  auto dtype = at_least_float(promote_types(a_in.dtype(), b_in.dtype()));
  auto [a, b] =
      broadcast_pair(cast_if_needed(a_in, dtype, s), cast_if_needed(b_in, dtype, s), "isclose", s);
  auto tol_dtype = dtype == float64 ? float64 : float32;
  auto rhs = add(array(atol, tol_dtype), multiply(array(rtol, tol_dtype), abs(b, s), s), s);
  auto lhs = abs(subtract(a, b, s), s);
  auto out = less_equal(lhs, rhs, s);
  auto any_inf = logical_or(isinf(a, s), isinf(b, s), s);
  auto both_inf = logical_and(isinf(a, s), isinf(b, s), s);
  out = logical_and(out, logical_not(any_inf, s), s);
  out = logical_or(out, logical_and(both_inf, equal(a, b, s), s), s);
  if (equal_nan) {
    out = logical_or(out, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return out;
}

array allclose(const array& a, const array& b, double rtol, double atol, bool equal_nan,
               StreamOrDevice s) {
  return all(isclose(a, b, rtol, atol, equal_nan, s), s);
}

array array_equal(const array& a, const array& b, bool equal_nan, StreamOrDevice s) {
  if (a.shape() != b.shape()) {
    return array(false);
  }
  auto dtype = promote_types(a.dtype(), b.dtype());
  auto x = cast_if_needed(a, dtype, s);
  auto y = cast_if_needed(b, dtype, s);
  auto op = equal_nan ? BinaryOp::NaNEqual : BinaryOp::Equal;
  auto eq = binary(op, x, y, dtype, bool_, "array_equal", s);
  return all(eq, false, s);
}

array clip(const array& a, const std::optional<array>& a_min, const std::optional<array>& a_max,
           StreamOrDevice s) {
  if (!a_min.has_value() && !a_max.has_value()) {
    throw op_error("clip", "At most one of a_min and a_max may be None.");
  }
  array result = a;
  if (a_min.has_value()) {
    result = maximum(result, *a_min, s);
  }
  if (a_max.has_value()) {
    result = minimum(result, *a_max, s);
  }
  return result;
}

} // namespace mlx::core
