// Helpers for the reduction, scan, softmax and creation tests: reading any array (any dtype,
// any strided view) into doubles, random inputs that are exact in their dtype, the views that
// make an input non-contiguous, and float64 reference reductions.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace reduction_test {

using namespace mlx::core;

inline const std::vector<Dtype>& all_dtypes() {
  static const std::vector<Dtype> dtypes = {bool_,   uint8,   uint16,   uint32,   uint64,
                                            int8,    int16,   int32,    int64,    float16,
                                            float32, float64, bfloat16, complex64};
  return dtypes;
}

inline const std::vector<Dtype>& real_dtypes() {
  static const std::vector<Dtype> dtypes = {bool_, uint8, uint16,  uint32,  uint64,  int8,    int16,
                                            int32, int64, float16, float32, float64, bfloat16};
  return dtypes;
}

inline const std::vector<Dtype>& float_dtypes() {
  static const std::vector<Dtype> dtypes = {float16, float32, float64, bfloat16};
  return dtypes;
}

inline bool is_float(Dtype t) {
  return t == float16 || t == float32 || t == float64 || t == bfloat16;
}

// Row-major position -> multi-index.
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

// Calls fn(i, offset) for every element of a (shape, strides) view in row-major order.
template <typename F>
void walk(const Shape& shape, const Strides& strides, F&& fn) {
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    fn(i, offset);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      offset -= (shape[d] - 1) * strides[d];
      idx[d] = 0;
    }
  }
}

// The values of `a` in logical row-major order, as doubles (the real part for complex64).
inline std::vector<double> values(array a) {
  a.eval();
  std::vector<double> out(a.size());
  auto read = [&](auto* base) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(base)>>;
    walk(a.shape(), a.strides(), [&](int64_t i, int64_t offset) {
      if constexpr (std::is_same_v<T, complex64_t>) {
        out[i] = base[offset].real();
      } else if constexpr (std::is_same_v<T, float16_t> || std::is_same_v<T, bfloat16_t>) {
        out[i] = static_cast<float>(base[offset]);
      } else {
        out[i] = static_cast<double>(base[offset]);
      }
    });
  };
  switch (a.dtype()) {
  case Dtype::Val::bool_:
    read(a.data<bool>());
    break;
  case Dtype::Val::uint8:
    read(a.data<uint8_t>());
    break;
  case Dtype::Val::uint16:
    read(a.data<uint16_t>());
    break;
  case Dtype::Val::uint32:
    read(a.data<uint32_t>());
    break;
  case Dtype::Val::uint64:
    read(a.data<uint64_t>());
    break;
  case Dtype::Val::int8:
    read(a.data<int8_t>());
    break;
  case Dtype::Val::int16:
    read(a.data<int16_t>());
    break;
  case Dtype::Val::int32:
    read(a.data<int32_t>());
    break;
  case Dtype::Val::int64:
    read(a.data<int64_t>());
    break;
  case Dtype::Val::float16:
    read(a.data<float16_t>());
    break;
  case Dtype::Val::float32:
    read(a.data<float>());
    break;
  case Dtype::Val::float64:
    read(a.data<double>());
    break;
  case Dtype::Val::bfloat16:
    read(a.data<bfloat16_t>());
    break;
  case Dtype::Val::complex64:
    read(a.data<complex64_t>());
    break;
  }
  return out;
}

// Random values in [lo, hi], rounded to integers for integer dtypes and to 0/1 for bool.
inline array random_array(const Shape& shape, Dtype dtype, double lo, double hi,
                          uint32_t seed = 7) {
  // splitmix64: cheap enough for inputs of millions of elements.
  uint64_t state = seed * 0x9e3779b97f4a7c15ull + 1;
  auto next_unit = [&] {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  int64_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::vector<double> v(n);
  for (auto& x : v) {
    x = lo + (hi - lo) * next_unit();
    if (dtype == bool_) {
      x = x > (lo + hi) / 2 ? 1.0 : 0.0;
    } else if (!is_float(dtype) && dtype != complex64) {
      x = std::round(x);
    }
  }
  return array(v.begin(), shape, dtype);
}

// Default value range for a dtype: small integers, [-1, 1] floats, 0/1 bools.
inline array random_for(const Shape& shape, Dtype dtype, uint32_t seed = 7) {
  bool is_unsigned = dtype == uint8 || dtype == uint16 || dtype == uint32 || dtype == uint64;
  if (is_float(dtype) || dtype == complex64) {
    return random_array(shape, dtype, -1.0, 1.0, seed);
  }
  return is_unsigned ? random_array(shape, dtype, 0, 40, seed)
                     : random_array(shape, dtype, -20, 20, seed);
}

// An input given as a view of another layout, with the same logical values as `x`.
struct Layout {
  std::string name;
  std::function<array(const array&)> make;
};

// `x` itself, its transpose's transpose (a permuted view), a strided slice of a larger
// array, a reversed slice, and a broadcast.
inline std::vector<Layout> layouts() {
  return {
      {"contiguous", [](const array& x) { return x; }},
      {"transposed",
       [](const array& x) {
         // Materialize x reversed-axes, then view it back: same values, permuted strides.
         std::vector<int> rev(x.ndim());
         for (size_t i = 0; i < x.ndim(); ++i) {
           rev[i] = static_cast<int>(x.ndim() - 1 - i);
         }
         auto t = contiguous(transpose(x, rev));
         t.eval();
         auto view = transpose(t, rev);
         view.eval();
         EXPECT_TRUE(x.ndim() < 2 || view.strides().back() != 1) << "not a transposed view";
         return view;
       }},
      {"strided",
       [](const array& x) {
         // Interleave x with zeros along the last axis, then take every second element.
         auto wide = concatenate({expand_dims(x, -1), zeros_like(expand_dims(x, -1))}, -1);
         wide = reshape(wide, [&] {
           Shape s = x.shape();
           s.back() *= 2;
           return s;
         }());
         wide.eval();
         Shape start(x.ndim(), 0), stop = wide.shape(), step(x.ndim(), 1);
         step.back() = 2;
         return slice(wide, start, stop, step);
       }},
      {"reversed",
       [](const array& x) {
         // x flipped along axis 0, materialized, then read back with a negative stride.
         Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
         start[0] = x.shape(0) - 1;
         stop[0] = -x.shape(0) - 1;
         step[0] = -1;
         auto flipped = contiguous(slice(x, start, stop, step));
         flipped.eval();
         auto view = slice(flipped, start, stop, step);
         view.eval();
         EXPECT_TRUE(x.shape(0) < 2 || view.strides()[0] < 0) << "not a reversed view";
         return view;
       }},
  };
}

// Float64 reference reduction of `v` (row-major, `shape`) over `axes` (normalized), into the
// keepdims shape. `init` and `op` define the reduction.
inline std::vector<double> reduce_ref(const std::vector<double>& v, const Shape& shape,
                                      const std::vector<int>& axes, double init,
                                      const std::function<double(double, double)>& op) {
  Shape out_shape = shape;
  for (int ax : axes) {
    out_shape[ax] = 1;
  }
  int64_t out_size = 1;
  for (auto d : out_shape) {
    out_size *= d;
  }
  // Each input element's output offset: row-major output strides, 0 on reduced axes.
  Strides out_strides(shape.size(), 0);
  int64_t stride = 1;
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    out_strides[d] = out_shape[d] == 1 ? 0 : stride;
    stride *= out_shape[d];
  }
  std::vector<double> out(out_size, init);
  walk(shape, out_strides, [&](int64_t i, int64_t o) { out[o] = op(out[o], v[i]); });
  return out;
}

// Every subset of {0, ..., ndim-1}, each also given with negative axes when `negative`.
inline std::vector<std::vector<int>> axis_subsets(int ndim) {
  std::vector<std::vector<int>> subsets;
  for (int mask = 1; mask < (1 << ndim); ++mask) {
    std::vector<int> axes;
    for (int i = 0; i < ndim; ++i) {
      if (mask & (1 << i)) {
        axes.push_back(i);
      }
    }
    subsets.push_back(axes);
  }
  return subsets;
}

// The relative precision of a dtype's storage (half an ulp at 1).
inline double storage_eps(Dtype t) {
  if (t == float16) {
    return 1e-3;
  }
  if (t == bfloat16) {
    return 8e-3;
  }
  if (t == float32 || t == complex64) {
    return 2e-6;
  }
  return 1e-12;
}

// Expects got == want elementwise within atol + rtol |want| (NaNs must match, as must infs).
inline void expect_close(const std::vector<double>& got, const std::vector<double>& want,
                         double rtol, double atol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << what << " at " << i << ": got " << got[i];
      continue;
    }
    if (std::isinf(want[i])) {
      EXPECT_EQ(got[i], want[i]) << what << " at " << i;
      continue;
    }
    EXPECT_NEAR(got[i], want[i], atol + rtol * std::abs(want[i])) << what << " at " << i;
  }
}

inline std::string axes_name(const std::vector<int>& axes) {
  std::string s = "axes {";
  for (size_t i = 0; i < axes.size(); ++i) {
    s += (i ? ", " : "") + std::to_string(axes[i]);
  }
  return s + "}";
}

} // namespace reduction_test
