// Binary element-wise kernels. Inputs arrive broadcast to the output's shape and cast to one
// dtype; half types compute in float. Integer arithmetic wraps; integer division, remainder,
// powers and shifts are defined for every input (see binary_ops.h).
#include <cmath>

#include "backend/cpu/binary_ops.h"
#include "backend/cpu/elementwise.h"
#include "core/dtype_dispatch.h"
#include "core/primitives/elementwise.h"

namespace mlx::core {

namespace {

template <typename T>
constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// Runs `op` (over the compute type: float for half types) storing Out.
template <typename T, typename Out, typename Op>
void run(const array& a, const array& b, array& out, cpu::ElementwiseLayout layout, Op op) {
  cpu::binary_loop<T, Out>(a, b, out, layout, op);
}

// Arithmetic, min/max and the integer-only ops. Returns false for a type the op lacks.
template <typename T>
bool arithmetic(BinaryOp op, const array& a, const array& b, array& out,
                cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  constexpr bool is_float = is_floating_v<T>;
  constexpr bool is_complex = is_complex_v<T>;
  constexpr bool is_int = is_int_v<T>;
  constexpr bool is_bool = std::is_same_v<T, bool>;
  switch (op) {
  case BinaryOp::Add:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::wrapping_add(x, y); });
    } else if constexpr (is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x || y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x + y; });
    }
    return true;
  case BinaryOp::Subtract:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::wrapping_sub(x, y); });
    } else if constexpr (is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x != y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x - y; });
    }
    return true;
  case BinaryOp::Multiply:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::wrapping_mul(x, y); });
    } else if constexpr (is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x && y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x * y; });
    }
    return true;
  case BinaryOp::Divide:
    if constexpr (is_float || is_complex) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x / y; });
      return true;
    }
    return false;
  case BinaryOp::FloorDivide:
    if constexpr (is_int || is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::floor_divide_int(x, y); });
      return true;
    } else if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return std::floor(x / y); });
      return true;
    }
    return false;
  case BinaryOp::Remainder:
    if constexpr (is_int || is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::remainder_int(x, y); });
      return true;
    } else if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::remainder_float(x, y); });
      return true;
    }
    return false;
  case BinaryOp::Maximum:
    // NaN wins, as in numpy and MLX; complex values compare by real part, then imaginary.
    if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return (std::isnan(x) || x > y) ? x : y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x > y ? x : y; });
    }
    return true;
  case BinaryOp::Minimum:
    if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return (std::isnan(x) || x < y) ? x : y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x < y ? x : y; });
    }
    return true;
  case BinaryOp::Power:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::power_int(x, y); });
    } else if constexpr (is_bool) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return x || !y; });
    } else {
      run<T, T>(a, b, out, layout, [](C x, C y) { return C(std::pow(x, y)); });
    }
    return true;
  case BinaryOp::ArcTan2:
    if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return std::atan2(x, y); });
      return true;
    }
    return false;
  case BinaryOp::LogAddExp:
    if constexpr (is_float) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::log_add_exp(x, y); });
      return true;
    } else if constexpr (is_complex) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return C(cpu::log_add_exp(x, y)); });
      return true;
    }
    return false;
  case BinaryOp::BitwiseAnd:
  case BinaryOp::BitwiseOr:
  case BinaryOp::BitwiseXor:
    if constexpr (is_int || is_bool) {
      if (op == BinaryOp::BitwiseAnd) {
        run<T, T>(a, b, out, layout, [](C x, C y) { return C(x & y); });
      } else if (op == BinaryOp::BitwiseOr) {
        run<T, T>(a, b, out, layout, [](C x, C y) { return C(x | y); });
      } else {
        run<T, T>(a, b, out, layout, [](C x, C y) { return C(x ^ y); });
      }
      return true;
    }
    return false;
  case BinaryOp::LeftShift:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::shift_left(x, y); });
      return true;
    }
    return false;
  case BinaryOp::RightShift:
    if constexpr (is_int) {
      run<T, T>(a, b, out, layout, [](C x, C y) { return cpu::shift_right(x, y); });
      return true;
    }
    return false;
  default:
    return false;
  }
}

// Comparisons and logical ops, with bool outputs.
template <typename T>
bool predicate(BinaryOp op, const array& a, const array& b, array& out,
               cpu::ElementwiseLayout layout) {
  using C = accumulator_t<T>;
  switch (op) {
  case BinaryOp::Equal:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x == y; });
    return true;
  case BinaryOp::NaNEqual:
    if constexpr (is_floating_v<T>) {
      run<T, bool>(a, b, out, layout,
                   [](C x, C y) { return x == y || (std::isnan(x) && std::isnan(y)); });
    } else if constexpr (is_complex_v<T>) {
      run<T, bool>(a, b, out, layout, [](C x, C y) {
        auto nan_eq = [](float p, float q) { return p == q || (std::isnan(p) && std::isnan(q)); };
        return nan_eq(x.real(), y.real()) && nan_eq(x.imag(), y.imag());
      });
    } else {
      run<T, bool>(a, b, out, layout, [](C x, C y) { return x == y; });
    }
    return true;
  case BinaryOp::NotEqual:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x != y; });
    return true;
  case BinaryOp::Greater:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x > y; });
    return true;
  case BinaryOp::GreaterEqual:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x >= y; });
    return true;
  case BinaryOp::Less:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x < y; });
    return true;
  case BinaryOp::LessEqual:
    run<T, bool>(a, b, out, layout, [](C x, C y) { return x <= y; });
    return true;
  case BinaryOp::LogicalAnd:
  case BinaryOp::LogicalOr:
    if constexpr (std::is_same_v<T, bool>) {
      if (op == BinaryOp::LogicalAnd) {
        run<T, bool>(a, b, out, layout, [](C x, C y) { return x && y; });
      } else {
        run<T, bool>(a, b, out, layout, [](C x, C y) { return x || y; });
      }
      return true;
    }
    return false;
  default:
    return false;
  }
}

template <typename T>
void binary_typed(BinaryOp op, const array& a, const array& b, array& out,
                  cpu::ElementwiseLayout layout) {
  if (!arithmetic<T>(op, a, b, out, layout) && !predicate<T>(op, a, b, out, layout)) {
    detail::unsupported_dtype((std::string("[") + binary_op_name(op) + "]").c_str(), a.dtype());
  }
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
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    if constexpr (is_complex_v<T>) {
      detail::unsupported_dtype("[divmod]", a.dtype());
    }
  });
  // No donation: the quotient is written before the remainder reads the inputs.
  auto layout = cpu::prepare_elementwise_output(inputs, outputs[0], /* allow_donation */ false);
  // The remainder gets a fresh buffer with the quotient's layout.
  auto& r = outputs[1];
  r.set_data(allocator::malloc(outputs[0].data_size() * r.itemsize()), outputs[0].data_size(),
             outputs[0].strides(), outputs[0].flags());
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    if constexpr (is_floating_v<T>) {
      using C = accumulator_t<T>;
      run<T, T>(a, b, outputs[0], layout, [](C x, C y) { return cpu::divmod_quotient(x, y); });
    } else {
      binary_typed<T>(BinaryOp::FloorDivide, a, b, outputs[0], layout);
    }
    binary_typed<T>(BinaryOp::Remainder, a, b, r, layout);
  });
}

} // namespace mlx::core
