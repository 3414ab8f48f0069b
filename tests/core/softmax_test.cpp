// The fused softmax and logsumexp against float64 references: every axis combination,
// non-contiguous inputs, every float dtype (integers promote), rows of every length that the
// vector kernels split differently, infinities and NaN, in-place evaluation, and errors.
#include "backend/cpu/isa_select.h"
#include "reduction_reference.h"

using namespace reduction_test;
namespace cpu = mlx::core::cpu;

namespace {

// Softmax of `v` (shape) over `axes`, by groups of the kept index.
std::vector<double> softmax_ref(const std::vector<double>& v, const Shape& shape,
                                const std::vector<int>& axes) {
  auto m = reduce_ref(v, shape, axes, -INFINITY, [](double a, double b) {
    return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  });
  Shape kept = shape;
  for (int ax : axes) {
    kept[ax] = 1;
  }
  auto group = [&](size_t i) {
    auto idx = unravel(static_cast<int64_t>(i), shape);
    for (int ax : axes) {
      idx[ax] = 0;
    }
    return ravel(idx, kept);
  };
  std::vector<double> total(m.size(), 0.0);
  for (size_t i = 0; i < v.size(); ++i) {
    total[group(i)] += std::exp(v[i] - m[group(i)]);
  }
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    out[i] = std::exp(v[i] - m[group(i)]) / total[group(i)];
  }
  return out;
}

std::vector<double> logsumexp_ref(const std::vector<double>& v, const Shape& shape,
                                  const std::vector<int>& axes) {
  auto m = reduce_ref(v, shape, axes, -INFINITY, [](double a, double b) {
    return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
  });
  auto shifted = v;
  Shape kept = shape;
  for (int ax : axes) {
    kept[ax] = 1;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    auto idx = unravel(static_cast<int64_t>(i), shape);
    for (int ax : axes) {
      idx[ax] = 0;
    }
    shifted[i] = std::exp(v[i] - m[ravel(idx, kept)]);
  }
  auto total = reduce_ref(shifted, shape, axes, 0, [](double a, double b) { return a + b; });
  for (size_t i = 0; i < m.size(); ++i) {
    total[i] = std::isinf(m[i]) ? m[i] : m[i] + std::log(total[i]);
  }
  return total;
}

void for_each_isa(const std::function<void(const std::string&)>& fn) {
  for (auto isa : {cpu::Isa::baseline, cpu::Isa::avx2, cpu::Isa::avx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(cpu::best_supported_isa())) {
      cpu::force_isa_for_testing(isa);
      fn("isa " + std::to_string(static_cast<int>(isa)));
    }
  }
  cpu::force_isa_for_testing(cpu::best_supported_isa());
}

double out_tol(Dtype t) {
  return t == float64 ? 1e-12 : t == float32 ? 3e-6 : storage_eps(t) * 2;
}

} // namespace

TEST(Softmax, EveryAxisCombinationDtypeAndLayout) {
  Shape shape{3, 4, 5};
  for (Dtype dtype : {float32, float16, bfloat16, float64, int32, uint8}) {
    auto x = random_array(shape, dtype, is_float(dtype) ? -4 : 0, 4, 21);
    auto v = values(x);
    Dtype out_dtype = is_float(dtype) ? dtype : float32;
    for (const auto& layout : layouts()) {
      auto in = layout.make(x);
      for (auto axes : axis_subsets(3)) {
        auto want = softmax_ref(v, shape, axes);
        for (bool precise : {false, true}) {
          auto what = std::string(dtype_to_string(dtype)) + " " + layout.name + " " +
                      axes_name(axes) + (precise ? " precise" : "");
          auto out = softmax(in, axes, precise);
          EXPECT_EQ(out.dtype(), out_dtype) << what;
          EXPECT_EQ(out.shape(), shape) << what;
          expect_close(values(out), want, out_tol(out_dtype), 1e-7, what);
        }
      }
    }
  }
}

TEST(Softmax, LogSumExpEveryAxisCombinationDtypeAndLayout) {
  Shape shape{3, 4, 5};
  for (Dtype dtype : {float32, float16, bfloat16, float64, int16}) {
    auto x = random_array(shape, dtype, -4, 4, 23);
    auto v = values(x);
    Dtype out_dtype = is_float(dtype) ? dtype : float32;
    for (const auto& layout : layouts()) {
      auto in = layout.make(x);
      for (auto axes : axis_subsets(3)) {
        auto want = logsumexp_ref(v, shape, axes);
        for (bool keepdims : {false, true}) {
          auto what = std::string(dtype_to_string(dtype)) + " " + layout.name + " " +
                      axes_name(axes) + (keepdims ? " keepdims" : "");
          auto out = logsumexp(in, axes, keepdims);
          EXPECT_EQ(out.dtype(), out_dtype) << what;
          Shape want_shape;
          for (int i = 0; i < 3; ++i) {
            bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
            if (!reduced || keepdims) {
              want_shape.push_back(reduced ? 1 : shape[i]);
            }
          }
          EXPECT_EQ(out.shape(), want_shape) << what;
          expect_close(values(out), want, out_tol(out_dtype), 1e-6, what);
        }
      }
    }
  }
}

TEST(Softmax, RowsOfEveryLengthUnderEveryIsa) {
  for_each_isa([](const std::string& isa) {
    for (Dtype dtype : {float32, float16, bfloat16}) {
      for (int n : {1, 2, 7, 8, 15, 16, 17, 31, 33, 100, 1000, 4099}) {
        // Wide range: exponents far below the max underflow to 0 as they should.
        auto x = random_array({3, n}, dtype, -60, 60, n);
        auto v = values(x);
        auto what = isa + " " + dtype_to_string(dtype) + " n " + std::to_string(n);
        expect_close(values(softmax(x, -1)), softmax_ref(v, {3, n}, {1}), out_tol(dtype), 1e-7,
                     "softmax " + what);
        expect_close(values(logsumexp(x, -1)), logsumexp_ref(v, {3, n}, {1}), out_tol(dtype) + 1e-6,
                     1e-5, "logsumexp " + what);
      }
    }
  });
}

TEST(Softmax, InfinitiesAndNan) {
  for_each_isa([](const std::string& isa) {
    for (Dtype dtype : {float32, float16, bfloat16, float64}) {
      for (int n : {4, 37}) {
        auto what = isa + " " + dtype_to_string(dtype) + " n " + std::to_string(n);
        // Masked entries (-inf) get probability 0.
        std::vector<float> masked(n, -INFINITY);
        masked[1] = 0.0f;
        masked[n - 1] = 0.0f;
        auto p = values(softmax(array(masked.begin(), {n}, dtype)));
        for (int i = 0; i < n; ++i) {
          EXPECT_EQ(p[i], (i == 1 || i == n - 1) ? 0.5 : 0.0) << what << " at " << i;
        }
        EXPECT_NEAR(values(logsumexp(array(masked.begin(), {n}, dtype)))[0], std::log(2.0),
                    out_tol(dtype) + 1e-6)
            << what;
        // All -inf: softmax is NaN (0/0), logsumexp is -inf.
        std::vector<float> none(n, -INFINITY);
        EXPECT_TRUE(std::isnan(values(softmax(array(none.begin(), {n}, dtype)))[0])) << what;
        EXPECT_EQ(values(logsumexp(array(none.begin(), {n}, dtype)))[0], -INFINITY) << what;
        // +inf dominates logsumexp.
        std::vector<float> big(n, 1.0f);
        big[2] = INFINITY;
        EXPECT_EQ(values(logsumexp(array(big.begin(), {n}, dtype)))[0], INFINITY) << what;
        // NaN anywhere poisons the row, and only that row.
        std::vector<float> rows(2 * n, 0.5f);
        rows[n + 3] = NAN;
        auto two = array(rows.begin(), {2, n}, dtype);
        auto s = values(softmax(two, 1));
        EXPECT_NEAR(s[0], 1.0 / n, out_tol(dtype)) << what;
        for (int i = n; i < 2 * n; ++i) {
          EXPECT_TRUE(std::isnan(s[i])) << what << " at " << i;
        }
        auto l = values(logsumexp(two, 1));
        double want = 0.5 + std::log(double(n));
        EXPECT_NEAR(l[0], want, want * out_tol(dtype) + 1e-5) << what;
        EXPECT_TRUE(std::isnan(l[1])) << what;
      }
    }
  });
}

TEST(Softmax, LargeValuesDoNotOverflow) {
  auto x = array({1000.0f, 1000.0f, 999.0f});
  auto p = values(softmax(x));
  double e = std::exp(-1.0);
  EXPECT_NEAR(p[0], 1 / (2 + e), 1e-6);
  EXPECT_NEAR(p[2], e / (2 + e), 1e-6);
  EXPECT_NEAR(logsumexp(x).item<float>(), 1000 + std::log(2 + e), 1e-3);
}

TEST(Softmax, ManyRowsInParallelAndInPlace) {
  auto x = random_array({513, 1031}, float32, -3, 3, 5);
  auto v = values(x);
  auto want = softmax_ref(v, {513, 1031}, {1});
  // A temporary input is donated: the result overwrites it.
  auto out = softmax(multiply(x, array(1.0f)), -1);
  expect_close(values(out), want, 3e-6, 1e-8, "donated");
  // A live input is left alone.
  auto kept = softmax(x, -1);
  kept.eval();
  EXPECT_EQ(values(x), v);
  expect_close(values(kept), want, 3e-6, 1e-8, "not donated");
  // Broadcast rows (stride 0 over the outer axis).
  auto row = random_array({1, 300}, float32, -2, 2, 6);
  auto rows = broadcast_to(row, {4, 300});
  auto b = values(softmax(rows, -1));
  auto one = softmax_ref(values(row), {1, 300}, {1});
  for (int r = 0; r < 4; ++r) {
    for (int j = 0; j < 300; ++j) {
      ASSERT_NEAR(b[r * 300 + j], one[j], 3e-7) << r << " " << j;
    }
  }
}

TEST(Softmax, SpecialShapesAndAxes) {
  // No axes: every element is its own normalizer.
  auto x = array({1.0f, -2.0f, 3.0f});
  EXPECT_EQ(values(softmax(x, std::vector<int>{})), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(logsumexp(x, std::vector<int>{})), values(x));
  // Scalars.
  EXPECT_EQ(softmax(array(2.0f)).item<float>(), 1.0f);
  EXPECT_EQ(logsumexp(array(2.0f)).item<float>(), 2.0f);
  // Empty arrays: softmax keeps the shape; logsumexp refuses.
  auto e = zeros({0, 4});
  EXPECT_EQ(softmax(e, 1).shape(), (Shape{0, 4}));
  EXPECT_EQ(softmax(zeros({0}, int32)).dtype(), float32);
  EXPECT_THROW(logsumexp(e), std::invalid_argument);
  // Size-1 axis: all ones; logsumexp is the value.
  auto col = array({0.5f, 7.0f}, {2, 1});
  EXPECT_EQ(values(softmax(col, 1)), (std::vector<double>{1, 1}));
  EXPECT_EQ(values(logsumexp(col, 1)), (std::vector<double>{0.5, 7.0}));
  // All axes by default.
  auto m = array({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  expect_close(values(softmax(m)), softmax_ref(values(m), {2, 2}, {0, 1}), 3e-6, 0, "all");
  EXPECT_NEAR(logsumexp(m).item<float>(),
              std::log(std::exp(1) + std::exp(2) + std::exp(3) + std::exp(4)), 1e-5);
}

TEST(Softmax, Errors) {
  auto c = zeros({3}, complex64);
  EXPECT_THROW(softmax(c), std::invalid_argument);
  EXPECT_THROW(logsumexp(c), std::invalid_argument);
  auto x = zeros({2, 3});
  EXPECT_THROW(softmax(x, 2), std::invalid_argument);
  EXPECT_THROW(softmax(x, std::vector<int>{0, -2}), std::invalid_argument);
  EXPECT_THROW(logsumexp(x, -3), std::invalid_argument);
  EXPECT_THROW(softmax(array(1.0f), 0), std::invalid_argument);
  try {
    logsumexp(x, 4);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[logsumexp]", 0), 0u) << e.what();
  }
}

TEST(Softmax, LargeOutputsStreamPastTheCaches) {
  // Outputs of 16 MiB and more take the non-temporal store path; rows of odd length start at
  // every alignment.
  for (Dtype dtype : {float32, bfloat16}) {
    int rows = dtype == float32 ? 1025 : 2050;
    auto x = random_array({rows, 4099}, dtype, -5, 5, 8);
    auto v = values(x);
    for_each_isa([&](const std::string& isa) {
      auto got = values(softmax(x, -1));
      for (int r : {0, 1, 2, 3, 517, rows - 1}) {
        std::vector<double> row(v.begin() + r * 4099, v.begin() + (r + 1) * 4099);
        std::vector<double> out(got.begin() + r * 4099, got.begin() + (r + 1) * 4099);
        expect_close(out, softmax_ref(row, {4099}, {0}), out_tol(dtype), 1e-9,
                     isa + " " + dtype_to_string(dtype) + " row " + std::to_string(r));
      }
    });
  }
}
