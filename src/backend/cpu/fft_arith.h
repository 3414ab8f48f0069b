// Complex arithmetic of the FFT on Complex<T> (see fft_plan.h).
#pragma once

#include "backend/cpu/fft_plan.h"

namespace mlx::core::cpu::fft {

// Internal linkage on purpose: fft_passes_isa.cpp is compiled once per instruction set, and a
// single merged copy of these functions could carry AVX instructions into the baseline code.
namespace {

template <typename T>
inline Complex<T> add(Complex<T> a, Complex<T> b) {
  return {a.re + b.re, a.im + b.im};
}
template <typename T>
inline Complex<T> sub(Complex<T> a, Complex<T> b) {
  return {a.re - b.re, a.im - b.im};
}
template <typename T>
inline Complex<T> scale(Complex<T> a, T s) {
  return {a.re * s, a.im * s};
}
template <typename T>
inline Complex<T> conj(Complex<T> a) {
  return {a.re, -a.im};
}
// a * w, or a * conj(w) for the inverse transform.
template <bool Inverse, typename T>
inline Complex<T> mul(Complex<T> a, Complex<T> w) {
  if constexpr (Inverse) {
    return {a.re * w.re + a.im * w.im, a.im * w.re - a.re * w.im};
  } else {
    return {a.re * w.re - a.im * w.im, a.re * w.im + a.im * w.re};
  }
}
// a * -i (forward) or a * i (inverse).
template <bool Inverse, typename T>
inline Complex<T> rotate(Complex<T> a) {
  if constexpr (Inverse) {
    return {-a.im, a.re};
  } else {
    return {a.im, -a.re};
  }
}

} // namespace

} // namespace mlx::core::cpu::fft
