// mlx::core::fast normalizations and rotary embeddings against float64 references, under every
// instruction-set variant: rows that are and are not whole vectors, every float dtype, inputs
// large enough to be streamed past the caches, non-contiguous and donated inputs, and errors.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <vector>

#include "mlx/mlx.h"

#include "isa_variants.h"

using namespace mlx::core;
using mlx::core::testing::for_each_isa;

namespace {

std::vector<float> random_values(size_t n, unsigned seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) {
    x = dist(gen);
  }
  return v;
}

std::vector<float> to_vector(array a) {
  a = astype(contiguous(a), float32);
  eval(a);
  return std::vector<float>(a.data<float>(), a.data<float>() + a.size());
}

// The values an array of `dtype` holds for v.
std::vector<float> stored(const std::vector<float>& v, Dtype dtype) {
  return to_vector(astype(array(v.begin(), {static_cast<int>(v.size())}), dtype));
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << "at " << i;
  }
}

// Two roundings to the dtype (MLX rounds between the normalization and the weight) plus one
// for the bias.
double norm_tolerance(Dtype dtype) {
  return dtype == float64 ? 1e-6 : dtype == float32 ? 1e-5 : dtype == float16 ? 3e-3 : 2.5e-2;
}

std::vector<double> rms_reference(const std::vector<float>& x, const std::vector<float>* w,
                                  int rows, int n, double eps) {
  std::vector<double> out(x.size());
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int i = 0; i < n; ++i) {
      ss += double(x[size_t(r) * n + i]) * x[size_t(r) * n + i];
    }
    double inv = 1.0 / std::sqrt(ss / n + eps);
    for (int i = 0; i < n; ++i) {
      out[size_t(r) * n + i] = x[size_t(r) * n + i] * inv * (w ? (*w)[i] : 1.0);
    }
  }
  return out;
}

std::vector<double> layer_reference(const std::vector<float>& x, const std::vector<float>* w,
                                    const std::vector<float>* b, int rows, int n, double eps) {
  std::vector<double> out(x.size());
  for (int r = 0; r < rows; ++r) {
    const float* row = x.data() + size_t(r) * n;
    double mean = 0, var = 0;
    for (int i = 0; i < n; ++i) {
      mean += row[i];
    }
    mean /= n;
    for (int i = 0; i < n; ++i) {
      var += (row[i] - mean) * (row[i] - mean);
    }
    var /= n;
    for (int i = 0; i < n; ++i) {
      double norm = (row[i] - mean) / std::sqrt(var + eps);
      out[size_t(r) * n + i] = norm * (w ? (*w)[i] : 1.0) + (b ? (*b)[i] : 0.0);
    }
  }
  return out;
}

// Row lengths around the vector widths (4, 8, 16 floats; 32-element bfloat16 steps), and one
// large enough to be streamed (16 MB of bfloat16 output).
const std::pair<int, int> norm_shapes[] = {{7, 67}, {3, 33}, {2, 1}, {4, 16}, {5, 4096}, {4, 100}};

} // namespace

TEST(FastRmsNorm, EveryDtypeRowLengthAndVariant) {
  for_each_isa([&] {
    unsigned seed = 1;
    for (auto [rows, n] : norm_shapes) {
      for (Dtype dtype : {float32, bfloat16, float16, float64}) {
        SCOPED_TRACE(std::to_string(rows) + "x" + std::to_string(n) + " " + dtype_to_string(dtype));
        auto xv = stored(random_values(size_t(rows) * n, seed++), dtype);
        auto wv = stored(random_values(n, seed++), dtype);
        auto x = astype(array(xv.begin(), {rows, n}), dtype);
        auto w = astype(array(wv.begin(), {n}), dtype);
        auto got = fast::rms_norm(x, w, 1e-5f);
        ASSERT_EQ(got.dtype(), dtype);
        expect_close(to_vector(got), rms_reference(xv, &wv, rows, n, 1e-5), norm_tolerance(dtype));
        expect_close(to_vector(fast::rms_norm(x, std::nullopt, 1e-5f)),
                     rms_reference(xv, nullptr, rows, n, 1e-5), norm_tolerance(dtype));
      }
    }
  });
}

TEST(FastRmsNorm, StreamedTransposedAndDonatedInputs) {
  // 2048 x 4096 bfloat16: a 16 MB output, written past the caches.
  int rows = 2048, n = 4096;
  auto xv = stored(random_values(size_t(rows) * n, 3), bfloat16);
  auto wv = stored(random_values(n, 4), bfloat16);
  auto x = astype(array(xv.begin(), {rows, n}), bfloat16);
  auto w = astype(array(wv.begin(), {n}), bfloat16);
  auto want = rms_reference(xv, &wv, rows, n, 1e-5);
  int r2 = 7, n2 = 67;
  auto tv = random_values(size_t(r2) * n2, 5);
  auto xt = transpose(array(tv.begin(), {n2, r2}));
  auto xtv = to_vector(xt);
  auto want_t = rms_reference(xtv, nullptr, r2, n2, 1e-5);
  for_each_isa([&] {
    expect_close(to_vector(fast::rms_norm(x, w, 1e-5f)), want, norm_tolerance(bfloat16));
    // An input nobody else holds is overwritten in place.
    auto y = fast::rms_norm(x * array(1.0f, bfloat16), w, 1e-5f);
    expect_close(to_vector(y), want, norm_tolerance(bfloat16));
    expect_close(to_vector(fast::rms_norm(xt, std::nullopt, 1e-5f)), want_t, 1e-5);
  });
}

TEST(FastRmsNorm, Errors) {
  EXPECT_THROW(fast::rms_norm(array(1.0f), std::nullopt, 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}), ones({4}), 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}), ones({3, 1}), 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}, int32), std::nullopt, 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}, int32), ones({3}, int32), 1e-5f), std::invalid_argument);
}

TEST(FastLayerNorm, EveryDtypeRowLengthAndVariant) {
  for_each_isa([&] {
    unsigned seed = 20;
    for (auto [rows, n] : norm_shapes) {
      for (Dtype dtype : {float32, bfloat16, float16, float64}) {
        SCOPED_TRACE(std::to_string(rows) + "x" + std::to_string(n) + " " + dtype_to_string(dtype));
        // An offset mean: the variance must be of the centred values.
        auto xv = stored(random_values(size_t(rows) * n, seed++, 3.0f, 5.0f), dtype);
        auto wv = stored(random_values(n, seed++), dtype);
        auto bv = stored(random_values(n, seed++), dtype);
        auto x = astype(array(xv.begin(), {rows, n}), dtype);
        auto w = astype(array(wv.begin(), {n}), dtype);
        auto b = astype(array(bv.begin(), {n}), dtype);
        double tol = norm_tolerance(dtype) * (n == 1 ? 1 : 2);
        auto got = fast::layer_norm(x, w, b, 1e-5f);
        ASSERT_EQ(got.dtype(), dtype);
        expect_close(to_vector(got), layer_reference(xv, &wv, &bv, rows, n, 1e-5), tol);
        expect_close(to_vector(fast::layer_norm(x, std::nullopt, std::nullopt, 1e-5f)),
                     layer_reference(xv, nullptr, nullptr, rows, n, 1e-5), tol);
        expect_close(to_vector(fast::layer_norm(x, w, std::nullopt, 1e-5f)),
                     layer_reference(xv, &wv, nullptr, rows, n, 1e-5), tol);
      }
    }
  });
}

TEST(FastLayerNorm, StreamedAndTransposedInputs) {
  int rows = 2048, n = 4096;
  auto xv = stored(random_values(size_t(rows) * n, 30), bfloat16);
  auto wv = stored(random_values(n, 31), bfloat16);
  auto bv = stored(random_values(n, 32), bfloat16);
  auto x = astype(array(xv.begin(), {rows, n}), bfloat16);
  auto w = astype(array(wv.begin(), {n}), bfloat16);
  auto b = astype(array(bv.begin(), {n}), bfloat16);
  auto want = layer_reference(xv, &wv, &bv, rows, n, 1e-5);
  // A large mean and a small spread, transposed: the variance must not come from
  // E[x^2] - E[x]^2, which would lose it to cancellation (the float mean itself is only good
  // to ~1e-4 here).
  int r2 = 5, n2 = 33;
  auto tv = random_values(size_t(r2) * n2, 33, 1000.0f, 1002.0f);
  auto xt = transpose(array(tv.begin(), {n2, r2}));
  auto xtv = to_vector(xt);
  auto want_t = layer_reference(xtv, nullptr, nullptr, r2, n2, 1e-5);
  for_each_isa([&] {
    expect_close(to_vector(fast::layer_norm(x, w, b, 1e-5f)), want, 2 * norm_tolerance(bfloat16));
    expect_close(to_vector(fast::layer_norm(xt, std::nullopt, std::nullopt, 1e-5f)), want_t, 1e-3);
  });
}

TEST(FastLayerNorm, Errors) {
  auto x = ones({5, 33});
  EXPECT_THROW(fast::layer_norm(array(1.0f), std::nullopt, std::nullopt, 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(x, std::nullopt, ones({34}), 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(x, ones({32}), std::nullopt, 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(ones({5, 33}, int32), std::nullopt, std::nullopt, 1e-5f),
               std::invalid_argument);
  EXPECT_THROW(fast::layer_norm(ones({5, 33}, int32), ones({33}, int32), std::nullopt, 1e-5f),
               std::invalid_argument);
}

namespace {

// RoPE reference over x viewed as [outer, L, D] (row-major), positions offset + l where the
// offset is per entry of axis 0 of the original shape ([B, ...]) when there are several.
std::vector<double> rope_reference(const std::vector<float>& x, int batch, int outer, int L, int D,
                                   int dims, bool traditional, double base, double scale,
                                   const std::vector<int>& offsets) {
  std::vector<double> out(x.begin(), x.end());
  int half = dims / 2;
  for (int o = 0; o < outer; ++o) {
    int b = o / (outer / batch);
    for (int l = 0; l < L; ++l) {
      double pos = offsets[offsets.size() == 1 ? 0 : b] + l;
      size_t row = (size_t(o) * L + l) * D;
      for (int i = 0; i < half; ++i) {
        double theta = pos * scale * std::pow(base, -2.0 * i / dims);
        int i1 = traditional ? 2 * i : i;
        int i2 = traditional ? 2 * i + 1 : i + half;
        double x1 = x[row + i1], x2 = x[row + i2];
        out[row + i1] = x1 * std::cos(theta) - x2 * std::sin(theta);
        out[row + i2] = x1 * std::sin(theta) + x2 * std::cos(theta);
      }
    }
  }
  return out;
}

double rope_tolerance(Dtype dtype) {
  return dtype == float64 || dtype == float32 ? 1e-4 : dtype == float16 ? 3e-3 : 2e-2;
}

struct RopeShape {
  int B, H, L, D, dims;
};

// Half sizes that are and are not whole vectors, partial rotations (dims < D), and sequences
// longer than a block of positions (256).
const RopeShape rope_shapes[] = {
    {2, 3, 5, 16, 16}, {1, 2, 300, 80, 64}, {1, 4, 7, 48, 48},
    {2, 1, 3, 12, 8},  {1, 3, 2, 130, 128},
};

} // namespace

TEST(FastRope, EveryShapeModeDtypeAndVariant) {
  for_each_isa([&] {
    unsigned seed = 50;
    for (auto s : rope_shapes) {
      for (Dtype dtype : {float32, bfloat16, float16, float64}) {
        for (bool traditional : {false, true}) {
          SCOPED_TRACE(std::to_string(s.B) + "x" + std::to_string(s.H) + "x" + std::to_string(s.L) +
                       "x" + std::to_string(s.D) + " dims " + std::to_string(s.dims) +
                       (traditional ? " traditional " : " ") + dtype_to_string(dtype));
          auto xv = stored(random_values(size_t(s.B) * s.H * s.L * s.D, seed++), dtype);
          auto x = astype(array(xv.begin(), {s.B, s.H, s.L, s.D}), dtype);
          auto got = fast::rope(x, s.dims, traditional, 10000.0f, 1.0f, 7);
          ASSERT_EQ(got.dtype(), dtype);
          expect_close(
              to_vector(got),
              rope_reference(xv, s.B, s.B * s.H, s.L, s.D, s.dims, traditional, 10000.0, 1.0, {7}),
              rope_tolerance(dtype));
          // Scale, base and one offset per batch entry.
          std::vector<int> offsets;
          for (int b = 0; b < s.B; ++b) {
            offsets.push_back(3 + 11 * b);
          }
          auto per_batch =
              fast::rope(x, s.dims, traditional, 500000.0f, 0.5f, array(offsets.begin(), {s.B}));
          expect_close(to_vector(per_batch),
                       rope_reference(xv, s.B, s.B * s.H, s.L, s.D, s.dims, traditional, 500000.0,
                                      0.5, offsets),
                       rope_tolerance(dtype));
        }
      }
    }
  });
}

TEST(FastRope, ViewsAndOtherRanks) {
  for_each_isa([&] {
    for (Dtype dtype : {float32, bfloat16}) {
      // Queries as the LM passes them: [B, L, H, D] viewed as [B, H, L, D]; with per-batch
      // offsets.
      int B = 2, L = 270, H = 3, D = 64;
      auto xv = stored(random_values(size_t(B) * L * H * D, 60), dtype);
      auto blhd = astype(array(xv.begin(), {B, L, H, D}), dtype);
      auto x = transpose(blhd, {0, 2, 1, 3});
      auto xc = to_vector(x); // [B, H, L, D] row-major
      std::vector<int> offsets = {5, 9};
      for (bool traditional : {false, true}) {
        expect_close(to_vector(fast::rope(x, D, traditional, 10000.0f, 1.0f, array({5, 9}))),
                     rope_reference(xc, B, B * H, L, D, D, traditional, 10000.0, 1.0, offsets),
                     rope_tolerance(dtype));
      }
      // Every other position (a strided slice) of a [H, 2L, D] array.
      auto wide =
          astype(array(random_values(size_t(H) * 2 * L * D, 61).begin(), {H, 2 * L, D}), dtype);
      auto strided = slice(wide, {0, 0, 0}, {H, 2 * L, D}, {1, 2, 1});
      auto sv = to_vector(strided);
      expect_close(to_vector(fast::rope(strided, 32, false, 10000.0f, 1.0f, 2)),
                   rope_reference(sv, 1, H, L, D, 32, false, 10000.0, 1.0, {2}),
                   rope_tolerance(dtype));
      // 2-D input [L, D].
      auto flat = astype(array(random_values(size_t(L) * D, 62).begin(), {L, D}), dtype);
      auto fv = to_vector(flat);
      expect_close(to_vector(fast::rope(flat, D, true, 10000.0f, 1.0f, 0)),
                   rope_reference(fv, 1, 1, L, D, D, true, 10000.0, 1.0, {0}),
                   rope_tolerance(dtype));
    }
  });
}

TEST(FastRope, LargePositionsAndCustomFrequencies) {
  // Angles up to ~4e5 rad: the vector sine and cosine reduce their argument exactly. The
  // reference takes the angle as computed in float (MLX's arithmetic), then its sine in double.
  int L = 40, D = 32;
  auto xv = random_values(size_t(L) * D, 70);
  auto x = array(xv.begin(), {1, 1, L, D});
  std::vector<float> freqs;
  for (int i = 0; i < D / 2; ++i) {
    freqs.push_back(std::pow(10000.0f, 2.0f * i / D) * 0.25f);
  }
  int offset = 100000;
  for_each_isa([&] {
    for (bool traditional : {false, true}) {
      auto got = to_vector(
          fast::rope(x, D, traditional, std::nullopt, 1.0f, offset, array(freqs.begin(), {D / 2})));
      std::vector<double> want(xv.begin(), xv.end());
      for (int l = 0; l < L; ++l) {
        for (int i = 0; i < D / 2; ++i) {
          float theta = (static_cast<float>(offset + l) * 1.0f) * (1.0f / freqs[i]);
          int i1 = traditional ? 2 * i : i;
          int i2 = traditional ? 2 * i + 1 : i + D / 2;
          double x1 = xv[l * D + i1], x2 = xv[l * D + i2];
          want[l * D + i1] = x1 * std::cos(double(theta)) - x2 * std::sin(double(theta));
          want[l * D + i2] = x1 * std::sin(double(theta)) + x2 * std::cos(double(theta));
        }
      }
      expect_close(got, want, 2e-6);
    }
  });
}

TEST(FastRope, Errors) {
  auto x = ones({1, 1, 4, 8});
  std::vector<float> f(4, 1.0f);
  EXPECT_THROW(fast::rope(ones({8}), 8, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(ones({4, 8}, int32), 8, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 10000.0f, 1.0f, 0, array(f.begin(), {4})),
               std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, std::nullopt, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, std::nullopt, 1.0f, 0, array(f.begin(), {2, 2})),
               std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 3, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 10, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 0, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 10000.0f, 1.0f, array(1.5f)), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 10000.0f, 1.0f, array({1, 2, 3})), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 8, false, 10000.0f, 1.0f, ones({1, 1}, int32)), std::invalid_argument);
}
