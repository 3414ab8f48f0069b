// Helpers of the element-wise, promotion and astype tests: reading any array (any layout, any
// dtype) element by element, building random inputs of any dtype, and comparing against double
// references with a tolerance fit for the output dtype.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "mlx/mlx.h"

#include "core/dtype_dispatch.h"

namespace mlx::core::test {

using cdouble = std::complex<double>;

inline const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> dtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                            int8,    int16,   int32,    int64,    float16,
                                            float32, float64, bfloat16, complex64};
  return dtypes;
}

inline std::string name(Dtype t) {
  return dtype_to_string(t);
}

// The offset of row-major element i of `a`, whatever its strides: reads go through the array's
// own layout, not through any copy kernel under test.
inline int64_t offset_of(const array& a, size_t i) {
  int64_t loc = 0;
  for (int d = static_cast<int>(a.ndim()) - 1; d >= 0; --d) {
    loc += static_cast<int64_t>(i % a.shape(d)) * a.strides()[d];
    i /= a.shape(d);
  }
  return loc;
}

// Every element of `a` (evaluated here) as a complex double; real types have imaginary part 0.
inline std::vector<cdouble> read(array a) {
  eval(a);
  std::vector<cdouble> out(a.size());
  dispatch_all_types(a.dtype(), [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    const T* p = a.data<T>();
    for (size_t i = 0; i < a.size(); ++i) {
      T v = p[offset_of(a, i)];
      if constexpr (std::is_same_v<T, complex64_t>) {
        out[i] = cdouble(v.real(), v.imag());
      } else if constexpr (is_half_v<T>) {
        out[i] = static_cast<double>(static_cast<float>(v));
      } else {
        out[i] = static_cast<double>(v);
      }
    }
  });
  return out;
}

inline std::vector<double> read_real(const array& a) {
  std::vector<double> out;
  for (auto v : read(a)) {
    out.push_back(v.real());
  }
  return out;
}

// Raw integer values (exact for 64-bit types, where doubles are not).
template <typename T>
std::vector<T> read_as(array a) {
  eval(a);
  EXPECT_EQ(a.dtype(), Dtype(TypeToDtype<T>()));
  std::vector<T> out(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    out[i] = a.data<T>()[offset_of(a, i)];
  }
  return out;
}

// An array of `shape` and `dtype` with values uniform in [lo, hi] (rounded for integers,
// clamped to the dtype's range; random for bool; random real and imaginary parts for complex).
inline array random_array(const Shape& shape, Dtype dtype, double lo, double hi, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  array out(0);
  dispatch_all_types(dtype, [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    auto values = std::make_unique<T[]>(n); // not a vector: std::vector<bool> has no bool&
    for (size_t k = 0; k < n; ++k) {
      T& v = values[k];
      if constexpr (std::is_same_v<T, bool>) {
        v = gen() & 1;
      } else if constexpr (std::is_same_v<T, complex64_t>) {
        double re = dist(gen);
        v = complex64_t(static_cast<float>(re), static_cast<float>(dist(gen)));
      } else if constexpr (std::is_integral_v<T>) {
        // The largest double below the type's max (2^63 and 2^64 do not fit their types).
        double top = std::nextafter(static_cast<double>(std::numeric_limits<T>::max()) + 1, 0.0);
        double x = std::round(dist(gen));
        x = std::min(std::max(x, static_cast<double>(std::numeric_limits<T>::lowest())), top);
        v = static_cast<T>(x);
      } else {
        v = static_cast<T>(dist(gen));
      }
    }
    out = array(values.get(), shape, dtype);
  });
  return out;
}

// A float64 array of these values (an initializer list of doubles with a dtype would pick
// array's int-list constructor, as in MLX).
inline array float64_array(const std::vector<double>& v) {
  return array(v.begin(), {static_cast<int>(v.size())}, float64);
}

// Uniformly random bits for an integer dtype (the whole range, for bitwise and wrapping tests).
inline array random_bits(const Shape& shape, Dtype dtype, uint32_t seed) {
  std::mt19937_64 gen(seed);
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  array out(0);
  dispatch_int_types(dtype, "[random_bits]", [&](auto tag) {
    using T = tag_type_t<decltype(tag)>;
    std::vector<T> values(n);
    for (auto& v : values) {
      v = static_cast<T>(gen());
    }
    out = array(values.begin(), shape, dtype);
  });
  return out;
}

// Relative tolerance of results stored in `dtype` (a few units in the last place).
inline double tolerance(Dtype dtype) {
  switch (dtype) {
  case Dtype::Val::float16:
    return 2e-3;
  case Dtype::Val::bfloat16:
    return 1.6e-2;
  case Dtype::Val::float32:
  case Dtype::Val::complex64:
    return 4e-6;
  case Dtype::Val::float64:
    return 1e-13;
  default:
    return 0;
  }
}

// Whether got matches want within rtol (relative, with the same absolute floor); NaNs match
// NaNs and infinities match themselves.
inline bool close(double got, double want, double rtol) {
  if (std::isnan(want)) {
    return std::isnan(got);
  }
  if (std::isinf(want)) {
    return got == want;
  }
  return std::abs(got - want) <= rtol * (1 + std::abs(want));
}

inline bool close(cdouble got, cdouble want, double rtol) {
  if (std::isnan(want.real()) || std::isnan(want.imag()) || std::isinf(want.real()) ||
      std::isinf(want.imag())) {
    return close(got.real(), want.real(), rtol) && close(got.imag(), want.imag(), rtol);
  }
  return std::abs(got - want) <= rtol * (1 + std::abs(want));
}

// Expects `got` (any layout) to match want[i] element by element; reports the first mismatch.
inline void expect_close(const array& got, const std::vector<cdouble>& want, double rtol,
                         const std::string& what) {
  auto values = read(got);
  ASSERT_EQ(values.size(), want.size()) << what;
  for (size_t i = 0; i < values.size(); ++i) {
    if (!close(values[i], want[i], rtol)) {
      ADD_FAILURE() << what << ": element " << i << " is " << values[i] << ", expected " << want[i];
      return;
    }
  }
}

// Views of `a` (2-D) that are not row-contiguous, with the same logical values as `a`: a
// transposed copy transposed back, a stride-2 slice of a wider array, and the values read
// through a broadcast (stride 0) axis.
inline std::vector<std::pair<std::string, array>> strided_views(const array& a) {
  std::vector<std::pair<std::string, array>> views;
  views.emplace_back("transposed", transpose(contiguous(transpose(a))));
  auto wide = concatenate({expand_dims(a, 2), expand_dims(a, 2)}, 2); // [r, c, 2]
  views.emplace_back("strided", squeeze(slice(wide, {0, 0, 0}, {a.shape(0), a.shape(1), 1}), 2));
  return views;
}

} // namespace mlx::core::test
