// Element conversion between any two dtypes, with MLX's semantics: complex to real keeps the
// real part, float to integer truncates, anything to bool tests for non-zero.
#pragma once

#include <type_traits>

#include "core/dtype_dispatch.h"

namespace mlx::core::cpu {

template <typename Out, typename In>
inline Out convert(In v) {
  if constexpr (std::is_same_v<Out, In>) {
    return v;
  } else if constexpr (std::is_same_v<In, complex64_t>) {
    if constexpr (std::is_same_v<Out, bool>) {
      return v.real() != 0 || v.imag() != 0;
    } else {
      return static_cast<Out>(v.real());
    }
  } else if constexpr (std::is_same_v<Out, complex64_t>) {
    return complex64_t(static_cast<float>(v), 0.0f);
  } else if constexpr (std::is_same_v<Out, bool>) {
    if constexpr (is_half_v<In>) {
      return static_cast<float>(v) != 0.0f;
    } else {
      return v != In(0);
    }
  } else if constexpr (is_half_v<In> || is_half_v<Out>) {
    return static_cast<Out>(static_cast<float>(v));
  } else {
    return static_cast<Out>(v);
  }
}

} // namespace mlx::core::cpu
