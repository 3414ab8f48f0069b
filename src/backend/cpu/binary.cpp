// Binary element-wise kernels. Inputs arrive broadcast to the output's shape and cast to one
// dtype; half types compute in float.
#include <cmath>
#include <limits>

#include "backend/cpu/elementwise.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

namespace {

template <typename T>
constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Integer division and remainder with floor semantics (as numpy and Python). Division by zero
// gives 0 rather than trapping; MIN / -1 wraps.
template <typename T>
T floor_div_int(T x, T y) {
  if (y == 0) {
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) {
      return static_cast<T>(0 - static_cast<std::make_unsigned_t<T>>(x));
    }
    T q = x / y;
    if ((x % y != 0) && ((x < 0) != (y < 0))) {
      --q;
    }
    return q;
  } else {
    return x / y;
  }
}

template <typename T>
T remainder_int(T x, T y) {
  if (y == 0) {
    return 0;
  }
  if constexpr (std::is_signed_v<T>) {
    if (y == -1) {
      return 0;
    }
    T r = x % y;
    if (r != 0 && ((r < 0) != (y < 0))) {
      r += y;
    }
    return r;
  } else {
    return x % y;
  }
}

template <typename T>
T remainder_float(T x, T y) {
  T r = std::fmod(x, y);
  if (r != 0 && ((r < 0) != (y < 0))) {
    r += y;
  }
  return r;
}

template <typename T>
T power_int(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      // Only 1 and -1 have integral reciprocals.
      return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
    }
  }
  using U = std::make_unsigned_t<T>;
  U result = 1;
  U b = static_cast<U>(base);
  U e = static_cast<U>(exp);
  while (e) {
    if (e & 1) {
      result *= b;
    }
    b *= b;
    e >>= 1;
  }
  return static_cast<T>(result);
}

template <typename T>
T shift_left(T x, T n) {
  constexpr int bits = sizeof(T) * 8;
  if (n < 0 || n >= bits) {
    return 0;
  }
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(x) << n);
}

template <typename T>
T shift_right(T x, T n) {
  constexpr int bits = sizeof(T) * 8;
  if (n < 0 || n >= bits) {
    return (std::is_signed_v<T> && x < 0) ? T(-1) : T(0);
  }
  return static_cast<T>(x >> n);
}

template <typename T>
T log_add_exp(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) {
    return std::numeric_limits<T>::quiet_NaN();
  }
  T maxval = std::max(x, y);
  T minval = std::min(x, y);
  if (minval == -std::numeric_limits<T>::infinity() ||
      maxval == std::numeric_limits<T>::infinity()) {
    return maxval;
  }
  return maxval + std::log1p(std::exp(minval - maxval));
}

[[noreturn]] void unsupported(BinaryOp op, Dtype dtype) {
  detail::unsupported_dtype((std::string("[") + binary_op_name(op) + "]").c_str(), dtype);
}

// Runs `op` over computation type C (float for half types), storing Out.
template <typename T, typename Out, typename Op>
void run(const array& a, const array& b, array& out, cpu::ElementwiseLayout layout, Op op) {
  using C = accumulator_t<T>;
  cpu::binary_loop<T, Out>(a, b, out, layout, [op](T x, T y) -> Out {
    return static_cast<Out>(op(static_cast<C>(x), static_cast<C>(y)));
  });
}

template <typename T>
void binary_typed(BinaryOp op, const array& a, const array& b, array& out,
                  cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  constexpr bool is_float = is_floating_v<T>;
  constexpr bool is_complex = is_complex_v<T>;
  constexpr bool is_int = is_int_v<T>;
  constexpr bool is_bool = std::is_same_v<T, bool>;
  switch (op) {
  case BinaryOp::Add:
    return run<T, T>(a, b, out, layout, [](C x, C y) { return x + y; });
  case BinaryOp::Subtract:
    return run<T, T>(a, b, out, layout, [](C x, C y) { return x - y; });
  case BinaryOp::Multiply:
    return run<T, T>(a, b, out, layout, [](C x, C y) { return x * y; });
  case BinaryOp::Divide:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return floor_div_int(x, y); });
    } else if constexpr (!is_bool) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x / y; });
    }
    break;
  case BinaryOp::FloorDivide:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return floor_div_int(x, y); });
    } else if constexpr (is_float) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return std::floor(x / y); });
    }
    break;
  case BinaryOp::Remainder:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return remainder_int(x, y); });
    } else if constexpr (is_float) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return remainder_float(x, y); });
    }
    break;
  case BinaryOp::Maximum:
    if constexpr (is_float) {
      return run<T, T>(a, b, out, layout,
                       [](C x, C y) { return (std::isnan(x) || x > y) ? x : y; });
    } else if constexpr (is_complex) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x > y ? x : y; });
    } else {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x > y ? x : y; });
    }
  case BinaryOp::Minimum:
    if constexpr (is_float) {
      return run<T, T>(a, b, out, layout,
                       [](C x, C y) { return (std::isnan(x) || x < y) ? x : y; });
    } else {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x < y ? x : y; });
    }
  case BinaryOp::Power:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return power_int(x, y); });
    } else if constexpr (is_float || is_complex) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return C(std::pow(x, y)); });
    }
    break;
  case BinaryOp::ArcTan2:
    if constexpr (is_float) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return std::atan2(x, y); });
    }
    break;
  case BinaryOp::LogAddExp:
    if constexpr (is_float) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return log_add_exp(x, y); });
    }
    break;
  case BinaryOp::Equal:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x == y; });
  case BinaryOp::NaNEqual:
    if constexpr (is_float) {
      return run<T, bool>(a, b, out, layout,
                          [](C x, C y) { return x == y || (std::isnan(x) && std::isnan(y)); });
    } else if constexpr (is_complex) {
      return run<T, bool>(a, b, out, layout, [](C x, C y) {
        auto nan_eq = [](float p, float q) { return p == q || (std::isnan(p) && std::isnan(q)); };
        return nan_eq(x.real(), y.real()) && nan_eq(x.imag(), y.imag());
      });
    } else {
      return run<T, bool>(a, b, out, layout, [](C x, C y) { return x == y; });
    }
  case BinaryOp::NotEqual:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x != y; });
  case BinaryOp::Greater:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x > y; });
  case BinaryOp::GreaterEqual:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x >= y; });
  case BinaryOp::Less:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x < y; });
  case BinaryOp::LessEqual:
    return run<T, bool>(a, b, out, layout, [](C x, C y) { return x <= y; });
  case BinaryOp::LogicalAnd:
    if constexpr (is_bool) {
      return run<T, bool>(a, b, out, layout, [](C x, C y) { return x && y; });
    }
    break;
  case BinaryOp::LogicalOr:
    if constexpr (is_bool) {
      return run<T, bool>(a, b, out, layout, [](C x, C y) { return x || y; });
    }
    break;
  case BinaryOp::BitwiseAnd:
    if constexpr (is_int || is_bool) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x & y; });
    }
    break;
  case BinaryOp::BitwiseOr:
    if constexpr (is_int || is_bool) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x | y; });
    }
    break;
  case BinaryOp::BitwiseXor:
    if constexpr (is_int || is_bool) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return x ^ y; });
    }
    break;
  case BinaryOp::LeftShift:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return shift_left(x, y); });
    }
    break;
  case BinaryOp::RightShift:
    if constexpr (is_int) {
      return run<T, T>(a, b, out, layout, [](C x, C y) { return shift_right(x, y); });
    }
    break;
  }
  unsupported(op, a.dtype());
}

} // namespace

void Binary::eval_cpu(const std::vector<array>& inputs, array& out) {
  const auto& a = inputs[0];
  const auto& b = inputs[1];
  auto layout = cpu::prepare_elementwise_output(inputs, out);
  dispatch_all_types(a.dtype(), [&](auto tag) {
    binary_typed<tag_type_t<decltype(tag)>>(op_, a, b, out, layout);
  });
}

void DivMod::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  const auto& a = inputs[0];
  const auto& b = inputs[1];
  // No donation: the quotient is written before the remainder reads the inputs.
  auto layout = cpu::prepare_elementwise_output(inputs, outputs[0], /* allow_donation */ false);
  // The remainder gets a fresh buffer with the quotient's layout.
  auto& r = outputs[1];
  r.set_data(allocator::malloc(outputs[0].data_size() * r.itemsize()), outputs[0].data_size(),
             outputs[0].strides(), outputs[0].flags());
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    if constexpr (is_int_v<T>) {
      binary_typed<T>(BinaryOp::FloorDivide, a, b, outputs[0], layout);
      binary_typed<T>(BinaryOp::Remainder, a, b, r, layout);
    } else if constexpr (is_floating_v<T>) {
      binary_typed<T>(BinaryOp::FloorDivide, a, b, outputs[0], layout);
      binary_typed<T>(BinaryOp::Remainder, a, b, r, layout);
    } else {
      detail::unsupported_dtype("[divmod]", a.dtype());
    }
  });
}

} // namespace mlx::core
