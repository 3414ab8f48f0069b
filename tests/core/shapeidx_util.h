// Helpers for the shape and indexing tests: host copies of arrays, random inputs of every dtype,
// the same logical array in several memory layouts, and index arithmetic for references.
#pragma once

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace shapeidx {

using namespace mlx::core;

inline const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> dtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                            int8,    int16,   int32,    int64,    float16,
                                            float32, float64, bfloat16, complex64};
  return dtypes;
}

inline int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  return n;
}

// Row-major multi-index of element i, and back.
inline std::vector<int64_t> unravel(int64_t i, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = i % shape[d];
    i /= shape[d];
  }
  return idx;
}
inline int64_t ravel(const std::vector<int64_t>& idx, const Shape& shape) {
  int64_t i = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    i = i * shape[d] + idx[d];
  }
  return i;
}

// The elements of any array (any layout), in row-major order. Complex values keep both parts.
inline std::vector<std::complex<double>> complex_values(const array& a) {
  auto c = contiguous(a);
  eval(c);
  std::vector<std::complex<double>> out(c.size());
  switch (c.dtype()) {
  case Dtype::Val::complex64:
    for (size_t i = 0; i < c.size(); ++i) {
      auto v = c.data<complex64_t>()[i];
      out[i] = {v.real(), v.imag()};
    }
    break;
  default: {
    auto f = contiguous(astype(c, float64));
    eval(f);
    for (size_t i = 0; i < f.size(); ++i) {
      out[i] = f.data<double>()[i];
    }
  }
  }
  return out;
}

// Real-valued elements in row-major order (the real part for complex64).
inline std::vector<double> values(const array& a) {
  auto c = complex_values(a);
  std::vector<double> out(c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    out[i] = c[i].real();
  }
  return out;
}

// A host array: shape and row-major complex values, for writing references.
struct Host {
  Shape shape;
  std::vector<std::complex<double>> v;

  explicit Host(const array& a) : shape(a.shape()), v(complex_values(a)) {}
  Host(Shape s, std::complex<double> fill) : shape(std::move(s)), v(numel(shape), fill) {}

  std::complex<double>& at(const std::vector<int64_t>& idx) { return v[ravel(idx, shape)]; }
  const std::complex<double>& at(const std::vector<int64_t>& idx) const {
    return v[ravel(idx, shape)];
  }
};

// Expects `a` to have this shape and dtype and exactly these values.
inline void expect_host(const array& a, const Host& ref, Dtype dtype, const std::string& what) {
  ASSERT_EQ(a.shape(), ref.shape) << what;
  ASSERT_EQ(a.dtype(), dtype) << what;
  auto got = complex_values(a);
  ASSERT_EQ(got.size(), ref.v.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], ref.v[i]) << what << " at element " << i;
  }
}

// Random values representable exactly in every dtype of `dtype`'s kind (small integers; halves
// and quarters for floats; both parts for complex; 0/1 for bool).
inline array random_array(const Shape& shape, Dtype dtype, uint32_t seed) {
  std::mt19937 gen(seed);
  int64_t n = numel(shape);
  bool is_unsigned = issubdtype(dtype, unsignedinteger);
  std::uniform_int_distribution<int> dist(is_unsigned ? 0 : -100, 100);
  if (dtype == bool_) {
    std::bernoulli_distribution coin(0.5);
    std::vector<uint8_t> bytes(n);
    for (auto& b : bytes) {
      b = coin(gen);
    }
    return astype(array(bytes.begin(), shape, uint8), bool_);
  }
  if (dtype == complex64) {
    std::vector<complex64_t> v(n);
    for (auto& x : v) {
      x = complex64_t(dist(gen) / 4.0f, dist(gen) / 2.0f);
    }
    return array(v.begin(), shape, complex64);
  }
  std::vector<double> v(n);
  for (auto& x : v) {
    x = issubdtype(dtype, floating) ? dist(gen) / 4.0 : dist(gen);
  }
  return array(v.begin(), shape, dtype);
}

// Integer indices in [lo, hi], as the given dtype.
inline array random_indices(const Shape& shape, int lo, int hi, uint32_t seed,
                            Dtype dtype = int32) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int64_t> v(numel(shape));
  for (auto& x : v) {
    x = dist(gen);
  }
  return array(v.begin(), shape, dtype);
}

enum class Layout { Contiguous, Transposed, Reversed, Strided };

inline const std::vector<Layout>& all_layouts() {
  static const std::vector<Layout> layouts = {Layout::Contiguous, Layout::Transposed,
                                              Layout::Reversed, Layout::Strided};
  return layouts;
}

inline const char* layout_name(Layout l) {
  switch (l) {
  case Layout::Contiguous:
    return "contiguous";
  case Layout::Transposed:
    return "transposed";
  case Layout::Reversed:
    return "reversed";
  case Layout::Strided:
    return "strided";
  }
  return "?";
}

// The same logical array as `a`, evaluated in another memory layout: a transposed view, a view
// with negative strides on every axis, or a view with stride 2 on every axis.
inline array with_layout(const array& a, Layout layout) {
  int ndim = static_cast<int>(a.ndim());
  array out = a;
  switch (layout) {
  case Layout::Contiguous:
    out = copy(a);
    break;
  case Layout::Transposed: {
    auto t = copy(transpose(a));
    eval(t);
    out = transpose(t);
    break;
  }
  case Layout::Reversed: {
    Shape start(ndim), stop(ndim), strides(ndim, -1);
    for (int i = 0; i < ndim; ++i) {
      start[i] = a.shape(i) - 1;
      stop[i] = -a.shape(i) - 1;
    }
    auto r = copy(slice(a, start, stop, strides));
    eval(r);
    out = slice(r, start, stop, strides);
    break;
  }
  case Layout::Strided: {
    // Interleave with zeros along every axis, then take every other element.
    array x = a;
    for (int i = 0; i < ndim; ++i) {
      x = stack({x, zeros_like(x)}, i + 1);
      Shape merged = a.shape();
      for (int j = 0; j < i; ++j) {
        merged[j] *= 2;
      }
      merged[i] *= 2;
      x = reshape(x, merged);
    }
    x = copy(x);
    eval(x);
    out = slice(x, Shape(ndim, 0), x.shape(), Shape(ndim, 2));
    break;
  }
  }
  eval(out);
  return out;
}

// Whether `view` reads the same buffer as `base`, starting `offset` elements after it.
inline bool shares_buffer(const array& view, const array& base, int64_t offset = 0) {
  return view.data<char>() == base.data<char>() + offset * static_cast<int64_t>(base.itemsize());
}

} // namespace shapeidx
