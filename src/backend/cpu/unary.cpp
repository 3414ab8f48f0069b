// Unary element-wise kernels. Half types compute in float; the output may be the input's
// buffer when it is donated.
#include <cmath>
#include <complex>

#include "backend/cpu/elementwise.h"
#include "backend/cpu/math.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

namespace {

template <typename T>
constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T, typename Out, typename Op>
void run(const array& in, array& out, cpu::ElementwiseLayout layout, Op op) {
  using C = accumulator_t<T>;
  cpu::unary_loop<T, Out>(in, out, layout,
                          [op](T x) -> Out { return static_cast<Out>(op(static_cast<C>(x))); });
}

template <typename C>
C sigmoid(C x) {
  // exp of a negative argument only, so large |x| neither overflows nor loses precision.
  if (x >= 0) {
    return C(1) / (C(1) + std::exp(-x));
  }
  C e = std::exp(x);
  return e / (C(1) + e);
}

template <typename T>
void unary_typed(UnaryOp op, const array& in, array& out, cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  constexpr bool is_float = is_floating_v<T>;
  constexpr bool is_complex = is_complex_v<T>;
  constexpr bool is_int = is_int_v<T>;
  constexpr bool is_bool = std::is_same_v<T, bool>;
  constexpr bool inexact = is_float || is_complex;
  switch (op) {
  case UnaryOp::Abs:
    if constexpr (is_complex) {
      return run<T, float>(in, out, layout, [](C x) { return std::abs(x); });
    } else if constexpr (std::is_unsigned_v<T> || is_bool) {
      return run<T, T>(in, out, layout, [](C x) { return x; });
    } else {
      return run<T, T>(in, out, layout, [](C x) { return x < 0 ? C(0 - x) : x; });
    }
  case UnaryOp::Negative:
    if constexpr (!is_bool) {
      return run<T, T>(in, out, layout, [](C x) { return C(0) - x; });
    }
    break;
  case UnaryOp::Sign:
    if constexpr (is_complex) {
      return run<T, T>(in, out, layout, [](C x) {
        float m = std::abs(x);
        return m == 0 ? C(0) : C(x / m);
      });
    } else if constexpr (std::is_unsigned_v<T> || is_bool) {
      return run<T, T>(in, out, layout, [](C x) { return C(x != 0); });
    } else {
      return run<T, T>(in, out, layout, [](C x) { return C((x > 0) - (x < 0)); });
    }
  case UnaryOp::LogicalNot:
    return run<T, bool>(in, out, layout, [](C x) { return x == C(0); });
  case UnaryOp::BitwiseInvert:
    if constexpr (is_int) {
      return run<T, T>(in, out, layout, [](C x) { return C(~x); });
    } else if constexpr (is_bool) {
      return run<T, T>(in, out, layout, [](C x) { return !x; });
    }
    break;
  case UnaryOp::Floor:
    if constexpr (is_float) {
      return run<T, T>(in, out, layout, [](C x) { return std::floor(x); });
    } else if constexpr (!is_complex) {
      return run<T, T>(in, out, layout, [](C x) { return x; });
    }
    break;
  case UnaryOp::Ceil:
    if constexpr (is_float) {
      return run<T, T>(in, out, layout, [](C x) { return std::ceil(x); });
    } else if constexpr (!is_complex) {
      return run<T, T>(in, out, layout, [](C x) { return x; });
    }
    break;
  case UnaryOp::Round:
    if constexpr (is_float) {
      return run<T, T>(in, out, layout, [](C x) { return std::nearbyint(x); });
    } else if constexpr (is_complex) {
      return run<T, T>(in, out, layout,
                       [](C x) { return C(std::nearbyint(x.real()), std::nearbyint(x.imag())); });
    } else {
      return run<T, T>(in, out, layout, [](C x) { return x; });
    }
  case UnaryOp::Square:
    return run<T, T>(in, out, layout, [](C x) { return C(x * x); });
  case UnaryOp::Conjugate:
    if constexpr (is_complex) {
      return run<T, T>(in, out, layout, [](C x) { return C(std::conj(x)); });
    }
    break;
  case UnaryOp::Real:
    if constexpr (is_complex) {
      return run<T, float>(in, out, layout, [](C x) { return x.real(); });
    }
    break;
  case UnaryOp::Imag:
    if constexpr (is_complex) {
      return run<T, float>(in, out, layout, [](C x) { return x.imag(); });
    }
    break;
  default:
    break;
  }
  if constexpr (inexact) {
    switch (op) {
    case UnaryOp::Exp:
      return run<T, T>(in, out, layout, [](C x) { return C(std::exp(x)); });
    case UnaryOp::Log:
      return run<T, T>(in, out, layout, [](C x) { return C(std::log(x)); });
    case UnaryOp::Log2:
      if constexpr (is_complex) {
        return run<T, T>(in, out, layout, [](C x) { return C(std::log(x) / std::log(2.0f)); });
      } else {
        return run<T, T>(in, out, layout, [](C x) { return std::log2(x); });
      }
    case UnaryOp::Log10:
      return run<T, T>(in, out, layout, [](C x) { return C(std::log10(x)); });
    case UnaryOp::Sin:
      return run<T, T>(in, out, layout, [](C x) { return C(std::sin(x)); });
    case UnaryOp::Cos:
      return run<T, T>(in, out, layout, [](C x) { return C(std::cos(x)); });
    case UnaryOp::Tan:
      return run<T, T>(in, out, layout, [](C x) { return C(std::tan(x)); });
    case UnaryOp::ArcSin:
      return run<T, T>(in, out, layout, [](C x) { return C(std::asin(x)); });
    case UnaryOp::ArcCos:
      return run<T, T>(in, out, layout, [](C x) { return C(std::acos(x)); });
    case UnaryOp::ArcTan:
      return run<T, T>(in, out, layout, [](C x) { return C(std::atan(x)); });
    case UnaryOp::Sinh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::sinh(x)); });
    case UnaryOp::Cosh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::cosh(x)); });
    case UnaryOp::Tanh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::tanh(x)); });
    case UnaryOp::ArcSinh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::asinh(x)); });
    case UnaryOp::ArcCosh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::acosh(x)); });
    case UnaryOp::ArcTanh:
      return run<T, T>(in, out, layout, [](C x) { return C(std::atanh(x)); });
    case UnaryOp::Sqrt:
      return run<T, T>(in, out, layout, [](C x) { return C(std::sqrt(x)); });
    case UnaryOp::Rsqrt:
      return run<T, T>(in, out, layout, [](C x) { return C(C(1) / std::sqrt(x)); });
    default:
      break;
    }
  }
  if constexpr (is_float) {
    switch (op) {
    case UnaryOp::Log1p:
      return run<T, T>(in, out, layout, [](C x) { return std::log1p(x); });
    case UnaryOp::Expm1:
      return run<T, T>(in, out, layout, [](C x) { return std::expm1(x); });
    case UnaryOp::Sigmoid:
      return run<T, T>(in, out, layout, [](C x) { return sigmoid(x); });
    case UnaryOp::Erf:
      return run<T, T>(in, out, layout, [](C x) { return std::erf(x); });
    case UnaryOp::ErfInv:
      return run<T, T>(in, out, layout, [](C x) { return cpu::erfinv(x); });
    default:
      break;
    }
  }
  detail::unsupported_dtype((std::string("[") + unary_op_name(op) + "]").c_str(), in.dtype());
}

} // namespace

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  auto layout = cpu::prepare_elementwise_output(inputs, out);
  dispatch_all_types(
      in.dtype(), [&](auto tag) { unary_typed<tag_type_t<decltype(tag)>>(op_, in, out, layout); });
}

} // namespace mlx::core
