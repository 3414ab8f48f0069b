// Unary element-wise kernels. Half types compute in float; the output may be the input's
// buffer when it is donated. The ops (src/core/ops/elementwise.cpp) cast integer inputs of
// transcendental functions to float, so those kernels see only float and complex types.
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

// Runs `op` (over the compute type: float for half types) storing Out.
template <typename T, typename Out, typename Op>
void run(const array& in, array& out, cpu::ElementwiseLayout layout, Op op) {
  cpu::unary_loop<T, Out>(in, out, layout, op);
}

template <typename C>
C sigmoid(C x) {
  if constexpr (is_complex_v<C>) {
    return C(1) / (C(1) + std::exp(-x));
  } else {
    // exp of a negative argument only, so large |x| neither overflows nor loses precision.
    if (x >= 0) {
      return C(1) / (C(1) + std::exp(-x));
    }
    C e = std::exp(x);
    return e / (C(1) + e);
  }
}

// Ops defined for every type (or every type but a few the ops reject).
template <typename T>
bool unary_any(UnaryOp op, const array& in, array& out, cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  constexpr bool is_float = is_floating_v<T>;
  constexpr bool is_complex = is_complex_v<T>;
  constexpr bool is_int = is_int_v<T>;
  constexpr bool is_bool = std::is_same_v<T, bool>;
  switch (op) {
  case UnaryOp::Abs:
    if constexpr (is_complex) {
      run<T, float>(in, out, layout, [](C x) { return std::abs(x); });
    } else if constexpr (std::is_unsigned_v<T> || is_bool) {
      run<T, T>(in, out, layout, [](C x) { return x; });
    } else if constexpr (is_int) {
      // abs(MIN) wraps to MIN, as two's complement negation does.
      run<T, T>(in, out, layout, [](C x) { return x < 0 ? cpu::wrapping_sub(C(0), x) : x; });
    } else {
      run<T, T>(in, out, layout, [](C x) { return std::abs(x); });
    }
    return true;
  case UnaryOp::Negative:
    if constexpr (is_int) {
      run<T, T>(in, out, layout, [](C x) { return cpu::wrapping_sub(C(0), x); });
      return true;
    } else if constexpr (!is_bool) {
      run<T, T>(in, out, layout, [](C x) { return -x; });
      return true;
    }
    return false;
  case UnaryOp::Sign:
    if constexpr (is_complex) {
      run<T, T>(in, out, layout, [](C x) { return x == C(0) ? x : C(x / std::abs(x)); });
    } else if constexpr (std::is_unsigned_v<T> || is_bool) {
      run<T, T>(in, out, layout, [](C x) { return C(x != 0); });
    } else {
      // NaN gives 0, as in MLX.
      run<T, T>(in, out, layout, [](C x) { return C((x > 0) - (x < 0)); });
    }
    return true;
  case UnaryOp::LogicalNot:
    run<T, bool>(in, out, layout, [](C x) { return x == C(0); });
    return true;
  case UnaryOp::BitwiseInvert:
    if constexpr (is_int) {
      run<T, T>(in, out, layout, [](C x) { return C(~x); });
      return true;
    } else if constexpr (is_bool) {
      run<T, T>(in, out, layout, [](C x) { return !x; });
      return true;
    }
    return false;
  case UnaryOp::Floor:
  case UnaryOp::Ceil:
    if constexpr (is_float) {
      if (op == UnaryOp::Floor) {
        run<T, T>(in, out, layout, [](C x) { return std::floor(x); });
      } else {
        run<T, T>(in, out, layout, [](C x) { return std::ceil(x); });
      }
      return true;
    } else if constexpr (!is_complex) {
      run<T, T>(in, out, layout, [](C x) { return x; });
      return true;
    }
    return false;
  case UnaryOp::Round:
    // Halves round to even (the default rounding mode), as numpy and MLX.
    if constexpr (is_float) {
      run<T, T>(in, out, layout, [](C x) { return std::nearbyint(x); });
    } else if constexpr (is_complex) {
      run<T, T>(in, out, layout,
                [](C x) { return C(std::nearbyint(x.real()), std::nearbyint(x.imag())); });
    } else {
      run<T, T>(in, out, layout, [](C x) { return x; });
    }
    return true;
  case UnaryOp::Square:
    if constexpr (is_int) {
      run<T, T>(in, out, layout, [](C x) { return cpu::wrapping_mul(x, x); });
    } else if constexpr (is_bool) {
      run<T, T>(in, out, layout, [](C x) { return x; });
    } else {
      run<T, T>(in, out, layout, [](C x) { return C(x * x); });
    }
    return true;
  case UnaryOp::Conjugate:
  case UnaryOp::Real:
  case UnaryOp::Imag:
    if constexpr (is_complex) {
      if (op == UnaryOp::Conjugate) {
        run<T, T>(in, out, layout, [](C x) { return C(std::conj(x)); });
      } else if (op == UnaryOp::Real) {
        run<T, float>(in, out, layout, [](C x) { return x.real(); });
      } else {
        run<T, float>(in, out, layout, [](C x) { return x.imag(); });
      }
      return true;
    }
    return false;
  default:
    return false;
  }
}

// Transcendental functions of float and complex types.
template <typename T>
bool unary_inexact(UnaryOp op, const array& in, array& out, cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  constexpr bool is_complex = is_complex_v<T>;
  switch (op) {
  case UnaryOp::Exp:
    run<T, T>(in, out, layout, [](C x) { return C(std::exp(x)); });
    return true;
  case UnaryOp::Expm1:
    run<T, T>(in, out, layout, [](C x) { return C(cpu::expm1(x)); });
    return true;
  case UnaryOp::Log:
    run<T, T>(in, out, layout, [](C x) { return C(std::log(x)); });
    return true;
  case UnaryOp::Log2:
    if constexpr (is_complex) {
      run<T, T>(in, out, layout, [](C x) { return C(std::log(x) / std::numbers::ln2_v<float>); });
    } else {
      run<T, T>(in, out, layout, [](C x) { return std::log2(x); });
    }
    return true;
  case UnaryOp::Log10:
    run<T, T>(in, out, layout, [](C x) { return C(std::log10(x)); });
    return true;
  case UnaryOp::Log1p:
    run<T, T>(in, out, layout, [](C x) { return C(cpu::log1p(x)); });
    return true;
  case UnaryOp::Sin:
    run<T, T>(in, out, layout, [](C x) { return C(std::sin(x)); });
    return true;
  case UnaryOp::Cos:
    run<T, T>(in, out, layout, [](C x) { return C(std::cos(x)); });
    return true;
  case UnaryOp::Tan:
    run<T, T>(in, out, layout, [](C x) { return C(std::tan(x)); });
    return true;
  case UnaryOp::ArcSin:
    run<T, T>(in, out, layout, [](C x) { return C(std::asin(x)); });
    return true;
  case UnaryOp::ArcCos:
    run<T, T>(in, out, layout, [](C x) { return C(std::acos(x)); });
    return true;
  case UnaryOp::ArcTan:
    run<T, T>(in, out, layout, [](C x) { return C(std::atan(x)); });
    return true;
  case UnaryOp::Sinh:
    run<T, T>(in, out, layout, [](C x) { return C(std::sinh(x)); });
    return true;
  case UnaryOp::Cosh:
    run<T, T>(in, out, layout, [](C x) { return C(std::cosh(x)); });
    return true;
  case UnaryOp::Tanh:
    run<T, T>(in, out, layout, [](C x) { return C(std::tanh(x)); });
    return true;
  case UnaryOp::ArcSinh:
    run<T, T>(in, out, layout, [](C x) { return C(std::asinh(x)); });
    return true;
  case UnaryOp::ArcCosh:
    run<T, T>(in, out, layout, [](C x) { return C(std::acosh(x)); });
    return true;
  case UnaryOp::ArcTanh:
    run<T, T>(in, out, layout, [](C x) { return C(std::atanh(x)); });
    return true;
  case UnaryOp::Sqrt:
    run<T, T>(in, out, layout, [](C x) { return C(std::sqrt(x)); });
    return true;
  case UnaryOp::Rsqrt:
    run<T, T>(in, out, layout, [](C x) { return C(C(1) / std::sqrt(x)); });
    return true;
  case UnaryOp::Sigmoid:
    run<T, T>(in, out, layout, [](C x) { return sigmoid(x); });
    return true;
  case UnaryOp::Erf:
  case UnaryOp::ErfInv:
    if constexpr (!is_complex) {
      if (op == UnaryOp::Erf) {
        run<T, T>(in, out, layout, [](C x) { return std::erf(x); });
      } else {
        run<T, T>(in, out, layout, [](C x) { return cpu::erfinv(x); });
      }
      return true;
    }
    return false;
  default:
    return false;
  }
}

} // namespace

void Unary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& in = inputs[0];
  auto layout = cpu::prepare_elementwise_output(inputs, out);
  dispatch_all_types(in.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    bool done = unary_any<T>(op_, in, out, layout);
    if constexpr (is_floating_v<T> || is_complex_v<T>) {
      done = done || unary_inexact<T>(op_, in, out, layout);
    }
    if (!done) {
      detail::unsupported_dtype((std::string("[") + unary_op_name(op_) + "]").c_str(), in.dtype());
    }
  });
}

} // namespace mlx::core
