// Maps a runtime Dtype to its C++ type once, so kernels are written as templates instead of
// switch tables: dispatch_all_types(dtype, [&](auto tag) { using T = tag_type_t<decltype(tag)>; }).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

#include "mlx/dtype.h"

namespace mlx::core {

template <typename T>
struct type_tag {
  using type = T;
};

template <typename Tag>
using tag_type_t = typename std::remove_cvref_t<Tag>::type;

namespace detail {
[[noreturn]] inline void unsupported_dtype(const char* op, Dtype dtype) {
  std::ostringstream msg;
  msg << op << " Unsupported dtype " << dtype_to_string(dtype) << ".";
  throw std::invalid_argument(msg.str());
}
} // namespace detail

template <typename F>
void dispatch_all_types(Dtype dtype, F&& f) {
  switch (dtype) {
  case Dtype::Val::bool_:
    return f(type_tag<bool>{});
  case Dtype::Val::uint8:
    return f(type_tag<uint8_t>{});
  case Dtype::Val::uint16:
    return f(type_tag<uint16_t>{});
  case Dtype::Val::uint32:
    return f(type_tag<uint32_t>{});
  case Dtype::Val::uint64:
    return f(type_tag<uint64_t>{});
  case Dtype::Val::int8:
    return f(type_tag<int8_t>{});
  case Dtype::Val::int16:
    return f(type_tag<int16_t>{});
  case Dtype::Val::int32:
    return f(type_tag<int32_t>{});
  case Dtype::Val::int64:
    return f(type_tag<int64_t>{});
  case Dtype::Val::float16:
    return f(type_tag<float16_t>{});
  case Dtype::Val::float32:
    return f(type_tag<float>{});
  case Dtype::Val::float64:
    return f(type_tag<double>{});
  case Dtype::Val::bfloat16:
    return f(type_tag<bfloat16_t>{});
  case Dtype::Val::complex64:
    return f(type_tag<complex64_t>{});
  }
}

// Integer types (signed and unsigned), not bool.
template <typename F>
void dispatch_int_types(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
  case Dtype::Val::uint8:
    return f(type_tag<uint8_t>{});
  case Dtype::Val::uint16:
    return f(type_tag<uint16_t>{});
  case Dtype::Val::uint32:
    return f(type_tag<uint32_t>{});
  case Dtype::Val::uint64:
    return f(type_tag<uint64_t>{});
  case Dtype::Val::int8:
    return f(type_tag<int8_t>{});
  case Dtype::Val::int16:
    return f(type_tag<int16_t>{});
  case Dtype::Val::int32:
    return f(type_tag<int32_t>{});
  case Dtype::Val::int64:
    return f(type_tag<int64_t>{});
  default:
    detail::unsupported_dtype(op, dtype);
  }
}

// Real floating types.
template <typename F>
void dispatch_float_types(Dtype dtype, const char* op, F&& f) {
  switch (dtype) {
  case Dtype::Val::float16:
    return f(type_tag<float16_t>{});
  case Dtype::Val::float32:
    return f(type_tag<float>{});
  case Dtype::Val::float64:
    return f(type_tag<double>{});
  case Dtype::Val::bfloat16:
    return f(type_tag<bfloat16_t>{});
  default:
    detail::unsupported_dtype(op, dtype);
  }
}

// Every type but complex64.
template <typename F>
void dispatch_real_types(Dtype dtype, const char* op, F&& f) {
  if (dtype == complex64) {
    detail::unsupported_dtype(op, dtype);
  }
  dispatch_all_types(dtype, std::forward<F>(f));
}

template <typename T>
inline constexpr bool is_half_v = std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>;

template <typename T>
inline constexpr bool is_complex_v = std::is_same_v<T, complex64_t>;

template <typename T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T> || is_half_v<T>;

// The type a kernel computes in: float for the half types, the type itself otherwise.
template <typename T>
using accumulator_t = std::conditional_t<is_half_v<T>, float, T>;

} // namespace mlx::core
