// The radix passes of the Stockham FFT, for one instruction set (MLXCPP_ISA_NAMESPACE). The
// butterflies are written once over an element type: one complex number, or a SIMD register
// of them (GCC/Clang vector extensions, as wide as the instruction set allows). Sub-transforms
// at least a register wide (span >= width: every pass but the first ones) run a register of
// butterflies per step, since both their inputs and outputs are contiguous in j.
#include <cstring>
#include <utility>

#include "backend/cpu/fft_arith.h"
#include "backend/cpu/fft_passes.h"

namespace mlx::core::cpu::fft::MLXCPP_ISA_NAMESPACE {

namespace {

// The one-number versions, beside the register ones below.
using fft::add;
using fft::mul;
using fft::rotate;
using fft::scale;
using fft::sub;

#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;
#else
constexpr int kVectorBytes = 16;
#endif

// kWidth complex numbers, interleaved (re, im, re, im, ...), in one register.
template <typename T>
struct Packed {
  static constexpr int kLanes = kVectorBytes / sizeof(T);
  static constexpr int kWidth = kLanes / 2;
  using V [[gnu::vector_size(kVectorBytes)]] = T;
  V v;
};

template <typename V, size_t... I>
inline V swap_pairs(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, (I ^ 1)...);
}
template <typename V, size_t... I>
inline V even_lanes(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, (I & ~size_t(1))...);
}
template <typename V, size_t... I>
inline V odd_lanes(V v, std::index_sequence<I...>) {
  return __builtin_shufflevector(v, v, (I | 1)...);
}

// (-1, +1, -1, +1, ...), or its negation when `odd_negative`.
template <typename T, bool odd_negative>
inline typename Packed<T>::V alternating_signs() {
  typename Packed<T>::V s;
  for (int i = 0; i < Packed<T>::kLanes; ++i) {
    s[i] = (i % 2 == 1) == odd_negative ? T(-1) : T(1);
  }
  return s;
}

template <typename T>
inline Packed<T> add(Packed<T> a, Packed<T> b) {
  return {a.v + b.v};
}
template <typename T>
inline Packed<T> sub(Packed<T> a, Packed<T> b) {
  return {a.v - b.v};
}
template <typename T>
inline Packed<T> scale(Packed<T> a, T s) {
  return {a.v * s};
}
// a * w (re = a.re w.re - a.im w.im, im = a.im w.re + a.re w.im), or a * conj(w).
template <bool Inverse, typename T>
inline Packed<T> mul(Packed<T> a, Packed<T> w) {
  constexpr auto lanes = std::make_index_sequence<Packed<T>::kLanes>{};
  auto cross = swap_pairs(a.v, lanes) * odd_lanes(w.v, lanes);
  return {a.v * even_lanes(w.v, lanes) + cross * alternating_signs<T, Inverse>()};
}
// a * -i = (im, -re), or a * i = (-im, re).
template <bool Inverse, typename T>
inline Packed<T> rotate(Packed<T> a) {
  constexpr auto lanes = std::make_index_sequence<Packed<T>::kLanes>{};
  return {swap_pairs(a.v, lanes) * alternating_signs<T, !Inverse>()};
}

template <typename E, typename T>
inline E load(const Complex<T>* p) {
  if constexpr (std::is_same_v<E, Complex<T>>) {
    return *p;
  } else {
    E e;
    std::memcpy(&e.v, p, sizeof(e.v));
    return e;
  }
}
template <typename T>
inline void store(Complex<T>* p, Complex<T> e) {
  *p = e;
}
template <typename T>
inline void store(Complex<T>* p, Packed<T> e) {
  std::memcpy(p, &e.v, sizeof(e.v));
}
// One complex number in every slot of E.
template <typename E, typename T>
inline E splat(Complex<T> c) {
  if constexpr (std::is_same_v<E, Complex<T>>) {
    return c;
  } else {
    E e;
    for (int i = 0; i < Packed<T>::kWidth; ++i) {
      e.v[2 * i] = c.re;
      e.v[2 * i + 1] = c.im;
    }
    return e;
  }
}

// In-place DFT of the P values a[0..P) (P = 0: any radix p <= kMaxDirectRadix, from roots).
template <int P, bool Inverse, typename T, typename E>
inline void butterfly(E* a, const Complex<T>* roots, int p) {
  if constexpr (P == 2) {
    E t = a[1];
    a[1] = sub(a[0], t);
    a[0] = add(a[0], t);
  } else if constexpr (P == 3) {
    constexpr T half = T(0.5);
    constexpr T s3 = T(0.86602540378443864676372317075294);
    E t1 = add(a[1], a[2]);
    E t2 = sub(a[0], scale(t1, half));
    E t3 = rotate<Inverse>(scale(sub(a[1], a[2]), s3));
    a[0] = add(a[0], t1);
    a[1] = add(t2, t3);
    a[2] = sub(t2, t3);
  } else if constexpr (P == 4) {
    E t0 = add(a[0], a[2]);
    E t1 = sub(a[0], a[2]);
    E t2 = add(a[1], a[3]);
    E t3 = rotate<Inverse>(sub(a[1], a[3]));
    a[0] = add(t0, t2);
    a[1] = add(t1, t3);
    a[2] = sub(t0, t2);
    a[3] = sub(t1, t3);
  } else if constexpr (P == 5) {
    constexpr T c1 = T(0.30901699437494742410229341718282);  // cos(2 pi / 5)
    constexpr T c2 = T(-0.80901699437494742410229341718282); // cos(4 pi / 5)
    constexpr T s1 = T(0.95105651629515357211643933337938);  // sin(2 pi / 5)
    constexpr T s2 = T(0.58778525229247312916870595463907);  // sin(4 pi / 5)
    E t1 = add(a[1], a[4]);
    E t2 = add(a[2], a[3]);
    E t3 = sub(a[1], a[4]);
    E t4 = sub(a[2], a[3]);
    E r1 = add(a[0], add(scale(t1, c1), scale(t2, c2)));
    E r2 = add(a[0], add(scale(t1, c2), scale(t2, c1)));
    E i1 = rotate<Inverse>(add(scale(t3, s1), scale(t4, s2)));
    E i2 = rotate<Inverse>(sub(scale(t3, s2), scale(t4, s1)));
    a[0] = add(a[0], add(t1, t2));
    a[1] = add(r1, i1);
    a[4] = sub(r1, i1);
    a[2] = add(r2, i2);
    a[3] = sub(r2, i2);
  } else {
    E out[kMaxDirectRadix];
    for (int q = 0; q < p; ++q) {
      E acc = a[0];
      for (int s = 1; s < p; ++s) {
        acc = add(acc, mul<Inverse>(a[s], splat<E>(roots[(q * s) % p])));
      }
      out[q] = acc;
    }
    for (int q = 0; q < p; ++q) {
      a[q] = out[q];
    }
  }
}

// The butterflies of sub-transforms j .. j + width(E) - 1 of one group.
template <int P, bool Inverse, bool Twiddled, typename E, typename T>
inline void butterflies(const Complex<T>* src, Complex<T>* dst, int64_t j, int64_t span,
                        int64_t stride, const Complex<T>* twiddles, const Complex<T>* roots,
                        int p) {
  E a[P != 0 ? P : kMaxDirectRadix];
  a[0] = load<E>(src + j);
  for (int s = 1; s < p; ++s) {
    a[s] = load<E>(src + j + s * stride);
    if constexpr (Twiddled) {
      a[s] = mul<Inverse>(a[s], load<E>(twiddles + (s - 1) * span + j));
    }
  }
  butterfly<P, Inverse>(a, roots, p);
  for (int q = 0; q < p; ++q) {
    store(dst + j + q * span, a[q]);
  }
}

// The first pass (span 1, no twiddles): registers hold `width` consecutive groups k, read
// contiguously; their outputs out[p k + q] interleave, so they go out through a small buffer.
template <int P, bool Inverse, typename T>
void first_pass(const Complex<T>* in, Complex<T>* out, int64_t n, const Complex<T>* roots, int p) {
  constexpr int64_t width = Packed<T>::kWidth;
  const int64_t m = n / p;
  int64_t k = 0;
  for (; k + width <= m; k += width) {
    Packed<T> a[P != 0 ? P : kMaxDirectRadix];
    for (int s = 0; s < p; ++s) {
      a[s] = load<Packed<T>>(in + k + s * m);
    }
    butterfly<P, Inverse>(a, roots, p);
    Complex<T> lanes[P != 0 ? P : kMaxDirectRadix][width];
    for (int q = 0; q < p; ++q) {
      store(lanes[q], a[q]);
    }
    for (int64_t g = 0; g < width; ++g) {
      for (int q = 0; q < p; ++q) {
        out[p * (k + g) + q] = lanes[q][g];
      }
    }
  }
  for (; k < m; ++k) {
    butterflies<P, Inverse, false, Complex<T>, T>(in + k, out + p * k, 0, 1, m, nullptr, roots, p);
  }
}

template <int P, bool Inverse, bool Twiddled, typename T>
void pass(const Complex<T>* in, Complex<T>* out, int64_t n, int64_t span,
          const Complex<T>* twiddles, const Complex<T>* roots, int p) {
  if constexpr (P != 0) {
    p = P;
  }
  if constexpr (!Twiddled) {
    return first_pass<P, Inverse>(in, out, n, roots, p);
  }
  constexpr int64_t width = Packed<T>::kWidth;
  const int64_t m = n / (span * p);
  const int64_t stride = n / p;
  const int64_t vector_end = span - span % width;
  for (int64_t k = 0; k < m; ++k) {
    const Complex<T>* src = in + span * k;
    Complex<T>* dst = out + span * p * k;
    int64_t j = 0;
    for (; j < vector_end; j += width) {
      butterflies<P, Inverse, Twiddled, Packed<T>>(src, dst, j, span, stride, twiddles, roots, p);
    }
    for (; j < span; ++j) {
      butterflies<P, Inverse, Twiddled, Complex<T>>(src, dst, j, span, stride, twiddles, roots, p);
    }
  }
}

template <bool Inverse, bool Twiddled, typename T>
void radix_dispatch(int radix, const Complex<T>* in, Complex<T>* out, int64_t n, int64_t span,
                    const Complex<T>* twiddles, const Complex<T>* roots) {
  switch (radix) {
  case 2:
    return pass<2, Inverse, Twiddled>(in, out, n, span, twiddles, roots, 2);
  case 3:
    return pass<3, Inverse, Twiddled>(in, out, n, span, twiddles, roots, 3);
  case 4:
    return pass<4, Inverse, Twiddled>(in, out, n, span, twiddles, roots, 4);
  case 5:
    return pass<5, Inverse, Twiddled>(in, out, n, span, twiddles, roots, 5);
  default:
    return pass<0, Inverse, Twiddled>(in, out, n, span, twiddles, roots, radix);
  }
}

} // namespace

template <typename T>
void radix_pass(const Complex<T>* in, Complex<T>* out, int radix, int64_t n, int64_t span,
                const Complex<T>* twiddles, const Complex<T>* roots, bool inverse) {
  // The first pass (span 1) has only unit twiddles.
  if (span == 1) {
    inverse ? radix_dispatch<true, false>(radix, in, out, n, span, twiddles, roots)
            : radix_dispatch<false, false>(radix, in, out, n, span, twiddles, roots);
  } else {
    inverse ? radix_dispatch<true, true>(radix, in, out, n, span, twiddles, roots)
            : radix_dispatch<false, true>(radix, in, out, n, span, twiddles, roots);
  }
}

template void radix_pass<float>(const Complex<float>*, Complex<float>*, int, int64_t, int64_t,
                                const Complex<float>*, const Complex<float>*, bool);
template void radix_pass<double>(const Complex<double>*, Complex<double>*, int, int64_t, int64_t,
                                 const Complex<double>*, const Complex<double>*, bool);

} // namespace mlx::core::cpu::fft::MLXCPP_ISA_NAMESPACE
