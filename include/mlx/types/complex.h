// complex64_t: a pair of float32 (MLX's complex64_t), usable wherever std::complex<float> is.
#pragma once

#include <complex>

namespace mlx::core {

struct complex64_t : public std::complex<float> {
  complex64_t() = default;
  complex64_t(float real, float imag) : std::complex<float>(real, imag) {}
  complex64_t(std::complex<float> v) : std::complex<float>(v) {}
  template <typename T>
  requires std::is_arithmetic_v<T> complex64_t(T v)
      : std::complex<float>(static_cast<float>(v), 0.0f) {}
  template <typename T>
  requires requires(T t) {
    static_cast<float>(t);
  } &&(!std::is_arithmetic_v<T>)complex64_t(T v)
      : std::complex<float>(static_cast<float>(v), 0.0f) {
  }

  // Converting to a real type keeps the real part, as MLX's astype does.
  template <typename T>
  requires std::is_arithmetic_v<T>
  explicit operator T() const { return static_cast<T>(real()); }
};

inline bool operator<(const complex64_t& a, const complex64_t& b) {
  return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
}
inline bool operator>(const complex64_t& a, const complex64_t& b) {
  return b < a;
}
inline bool operator<=(const complex64_t& a, const complex64_t& b) {
  return !(b < a);
}
inline bool operator>=(const complex64_t& a, const complex64_t& b) {
  return !(a < b);
}

} // namespace mlx::core
