// Test helpers for the matrix-product suites: random inputs, reading any array back as
// float64, a float64 reference matmul with numpy's semantics, and an error-bound comparison.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "mlx/mlx.h"

namespace mlx::core::test {

// Uniform values in [-1, 1), stored in `dtype` (so the array's values are exactly representable).
inline array random_array(const Shape& shape, Dtype dtype, std::mt19937& rng) {
  size_t n = 1;
  for (auto d : shape) {
    n *= d;
  }
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> data(n);
  for (auto& v : data) {
    v = dist(rng);
  }
  return array(data.begin(), shape, dtype);
}

// The elements of x (any layout, any real dtype) in row-major order, as double.
inline std::vector<double> values(const array& x) {
  auto y = contiguous(astype(x, float64));
  eval(y);
  return std::vector<double>(y.data<double>(), y.data<double>() + y.size());
}

// Row-major index arithmetic.
inline std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  return strides;
}

// A float64 result with, per element, the sum of |a_ik * b_kj| (which bounds rounding errors).
struct Reference {
  Shape shape;
  std::vector<double> value;
  std::vector<double> magnitude;
};

// numpy.matmul on the values of a and b.
inline Reference reference_matmul(const array& a, const array& b) {
  auto av = values(a), bv = values(b);
  Shape as = a.shape(), bs = b.shape();
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) {
    as = {1, as[0]};
  }
  if (b_vec) {
    bs = {bs[0], 1};
  }
  const int M = as[as.size() - 2], K = as.back(), N = bs.back();
  Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch);
  // Align the batch shapes to the right, as broadcasting does.
  a_batch.insert(a_batch.begin(), batch.size() - a_batch.size(), 1);
  b_batch.insert(b_batch.begin(), batch.size() - b_batch.size(), 1);
  auto as_strides = row_major_strides(a_batch), bs_strides = row_major_strides(b_batch);
  size_t count = 1;
  for (auto d : batch) {
    count *= d;
  }
  Reference ref;
  ref.value.resize(count * M * N);
  ref.magnitude.resize(count * M * N);
  for (size_t i = 0; i < count; ++i) {
    // Batch index -> offsets of the (broadcast) matrices of a and b.
    size_t rem = i, a_off = 0, b_off = 0;
    for (int d = static_cast<int>(batch.size()) - 1; d >= 0; --d) {
      size_t idx = rem % batch[d];
      rem /= batch[d];
      a_off += (a_batch[d] == 1 ? 0 : idx) * as_strides[d];
      b_off += (b_batch[d] == 1 ? 0 : idx) * bs_strides[d];
    }
    const double* am = av.data() + a_off * M * K;
    const double* bm = bv.data() + b_off * K * N;
    for (int m = 0; m < M; ++m) {
      for (int n = 0; n < N; ++n) {
        double sum = 0, mag = 0;
        for (int k = 0; k < K; ++k) {
          sum += am[m * K + k] * bm[k * N + n];
          mag += std::abs(am[m * K + k] * bm[k * N + n]);
        }
        ref.value[(i * M + m) * N + n] = sum;
        ref.magnitude[(i * M + m) * N + n] = mag;
      }
    }
  }
  ref.shape = batch;
  if (!a_vec) {
    ref.shape.push_back(M);
  }
  if (!b_vec) {
    ref.shape.push_back(N);
  }
  return ref;
}

// Unit roundoff of the type a product accumulates in, and of the output's storage.
inline double accumulate_eps(Dtype dtype) {
  return dtype == float64 ? 2.3e-16 : 6e-8;
}
inline double storage_eps(Dtype dtype) {
  if (dtype == bfloat16) {
    return 1.0 / 256;
  }
  if (dtype == float16) {
    return 1.0 / 2048;
  }
  return accumulate_eps(dtype);
}

// Checks got against ref within the bound of a K-term float accumulation plus one rounding to
// the output dtype.
inline void expect_matches(const array& got, const Reference& ref, int K, Dtype dtype) {
  ASSERT_EQ(got.shape(), ref.shape);
  ASSERT_EQ(got.dtype(), dtype);
  auto gv = values(got);
  ASSERT_EQ(gv.size(), ref.value.size());
  double acc = accumulate_eps(dtype) * (K + 4);
  double store = storage_eps(dtype);
  for (size_t i = 0; i < gv.size(); ++i) {
    double bound = (1 + store) * acc * ref.magnitude[i] + store * std::abs(ref.value[i]) + 1e-300;
    ASSERT_LE(std::abs(gv[i] - ref.value[i]), bound)
        << "element " << i << ": got " << gv[i] << ", expected " << ref.value[i];
  }
}

} // namespace mlx::core::test
