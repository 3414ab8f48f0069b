// Creation ops: arange (every overload, MLX's length and integer-step rules), linspace, full,
// zeros, ones and the *_like forms, eye, identity, tri, tril, triu, meshgrid, and numpy's
// window functions, with their error paths.
#include <numbers>

#include "reduction_reference.h"

using namespace reduction_test;

namespace {

std::vector<double> seq(std::initializer_list<double> v) {
  return std::vector<double>(v);
}

} // namespace

TEST(Creation, ArangeOverloadsAndDtypes) {
  auto a = arange(0.5, 3.0, 0.75, float64);
  EXPECT_EQ(a.dtype(), float64);
  EXPECT_EQ(values(a), seq({0.5, 1.25, 2.0, 2.75}));
  EXPECT_EQ(arange(0.0, 1.0, 0.25).dtype(), float32);
  EXPECT_EQ(values(arange(0.0, 1.0, 0.25)), seq({0, 0.25, 0.5, 0.75}));
  EXPECT_EQ(values(arange(2.0, 5.0, int16)), seq({2, 3, 4}));
  EXPECT_EQ(arange(2.0, 5.0, int16).dtype(), int16);
  EXPECT_EQ(values(arange(-1.0, 2.0)), seq({-1, 0, 1}));
  EXPECT_EQ(arange(-1.0, 2.0).dtype(), float32);
  EXPECT_EQ(values(arange(3.0, uint8)), seq({0, 1, 2}));
  EXPECT_EQ(values(arange(2.5)), seq({0, 1, 2}));
  EXPECT_EQ(arange(2.5).dtype(), float32);
  EXPECT_EQ(values(arange(1, 10, 4)), seq({1, 5, 9}));
  EXPECT_EQ(arange(1, 10, 4).dtype(), int32);
  EXPECT_EQ(values(arange(3, 6)), seq({3, 4, 5}));
  EXPECT_EQ(values(arange(4)), seq({0, 1, 2, 3}));
  EXPECT_EQ(arange(4).dtype(), int32);
  // Negative steps, and empty ranges in the wrong direction.
  EXPECT_EQ(values(arange(5, 0, -2)), seq({5, 3, 1}));
  EXPECT_EQ(arange(0, 5, -1).shape(), Shape{0});
  EXPECT_EQ(arange(0).shape(), Shape{0});
  EXPECT_EQ(arange(-3).shape(), Shape{0});
  // Every dtype but bool.
  for (Dtype t : all_dtypes()) {
    if (t == bool_) {
      continue;
    }
    EXPECT_EQ(values(arange(1.0, 4.0, t)), seq({1, 2, 3})) << dtype_to_string(t);
    EXPECT_EQ(arange(1.0, 4.0, t).dtype(), t);
  }
}

TEST(Creation, ArangeLengthIsCeilOfSpanOverStep) {
  for (double start : {-2.5, 0.0, 1.0}) {
    for (double stop : {-3.0, 0.0, 2.2, 7.0}) {
      for (double step : {-1.5, -0.3, 0.3, 1.0, 2.5}) {
        int n = std::max(0, static_cast<int>(std::ceil((stop - start) / step)));
        auto a = arange(start, stop, step, float64);
        ASSERT_EQ(a.shape(), Shape{n}) << start << " " << stop << " " << step;
        auto v = values(a);
        for (int i = 0; i < n; ++i) {
          ASSERT_DOUBLE_EQ(v[i], start + i * step);
        }
      }
    }
  }
  // float32 values are start + i * step rounded once, not a running sum.
  auto f = values(arange(0.0, 100000.0, 0.1));
  ASSERT_EQ(f.size(), static_cast<size_t>(std::ceil(100000.0 / 0.1)));
  for (size_t i : {size_t{1}, size_t{12345}, size_t{999999}}) {
    EXPECT_EQ(f[i], static_cast<double>(static_cast<float>(i * 0.1))) << i;
  }
}

TEST(Creation, ArangeIntegerStepsAsNumpy) {
  // The step is fixed by the first two values in the integer type: int(0.5) - int(0) = 0.
  EXPECT_EQ(values(arange(0.0, 5.0, 0.5, int32)), std::vector<double>(10, 0.0));
  EXPECT_EQ(values(arange(0.5, 4.0, 1.0, int32)), seq({0, 1, 2, 3}));
  EXPECT_EQ(values(arange(0.0, 3.0, 1.5, int64)), seq({0, 1}));
  // Wraps like the type.
  EXPECT_EQ(values(arange(250.0, 260.0, 3.0, uint8)), seq({250, 253, 0, 3}));
}

TEST(Creation, ArangeInfiniteStepAndErrors) {
  EXPECT_EQ(values(arange(1.0, 5.0, INFINITY)), seq({1}));
  EXPECT_EQ(values(arange(1.0, -5.0, -INFINITY, int32)), seq({1}));
  EXPECT_EQ(arange(1.0, 5.0, -INFINITY).shape(), Shape{0});
  EXPECT_THROW(arange(0.0, 3.0, bool_), std::invalid_argument);
  EXPECT_THROW(arange(NAN, 3.0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, NAN), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 3.0, NAN), std::invalid_argument);
  EXPECT_THROW(arange(-INFINITY, 3.0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, INFINITY), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 3.0, 0.0), std::invalid_argument);
  EXPECT_THROW(arange(0, 3, 0), std::invalid_argument);
  EXPECT_THROW(arange(0.0, 1e10, 1.0), std::invalid_argument);
  try {
    arange(0.0, 1e12);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[arange]", 0), 0u) << e.what();
  }
}

TEST(Creation, Linspace) {
  auto a = linspace(0.0, 1.0, 5);
  EXPECT_EQ(a.dtype(), float32);
  EXPECT_EQ(values(a), seq({0, 0.25, 0.5, 0.75, 1}));
  auto b = values(linspace(-3.3, 7.7, 50, float64));
  EXPECT_EQ(b.front(), -3.3);
  EXPECT_EQ(b.back(), 7.7);
  for (int i = 0; i < 50; ++i) {
    EXPECT_NEAR(b[i], -3.3 + i * 11.0 / 49, 1e-12);
  }
  auto f = values(linspace(1.0, 0.1, 10));
  EXPECT_EQ(f.back(), static_cast<double>(0.1f)); // the end point is exact
  EXPECT_EQ(values(linspace(2.0, 9.0, 1)), seq({2}));
  EXPECT_EQ(linspace(2.0, 9.0, 0).shape(), Shape{0});
  EXPECT_EQ(linspace(0.0, 1.0).shape(), Shape{50});
  // Integer dtypes truncate, as astype.
  auto i = linspace(0.0, 10.0, 4, int32);
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(values(i), seq({0, 3, 6, 10}));
  EXPECT_THROW(linspace(0.0, 1.0, -1), std::invalid_argument);
}

TEST(Creation, FullZerosOnesAndLikes) {
  for (Dtype t : all_dtypes()) {
    auto z = zeros({2, 3}, t);
    EXPECT_EQ(z.dtype(), t);
    EXPECT_EQ(z.shape(), (Shape{2, 3}));
    EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
    EXPECT_EQ(values(ones({3}, t)), std::vector<double>(3, 1.0)) << dtype_to_string(t);
    auto x = ones({4, 1}, t);
    EXPECT_EQ(zeros_like(x).dtype(), t);
    EXPECT_EQ(zeros_like(x).shape(), (Shape{4, 1}));
    EXPECT_EQ(values(ones_like(zeros({2}, t))), std::vector<double>(2, 1.0));
    EXPECT_EQ(values(full({2}, 7, t)), std::vector<double>(2, t == bool_ ? 1.0 : 7.0));
  }
  EXPECT_EQ(zeros({2}).dtype(), float32);
  EXPECT_EQ(ones({2}).dtype(), float32);
  EXPECT_EQ(full({2, 2}, 1.5f).dtype(), float32);
  EXPECT_EQ(full({2, 2}, 3).dtype(), int32);
  // Values broadcast to the shape.
  auto row = full({2, 3}, array({1, 2, 3}));
  EXPECT_EQ(values(row), seq({1, 2, 3, 1, 2, 3}));
  auto col = full({2, 3}, array({4.0f, 5.0f}, {2, 1}), int8);
  EXPECT_EQ(col.dtype(), int8);
  EXPECT_EQ(values(col), seq({4, 4, 4, 5, 5, 5}));
  EXPECT_EQ(values(full({2}, array(2.7f), int32)), seq({2, 2}));
  auto like = full_like(zeros({2, 2}, int16), array(3.9f));
  EXPECT_EQ(like.dtype(), int16);
  EXPECT_EQ(values(like), seq({3, 3, 3, 3}));
  EXPECT_EQ(full({0, 3}, 1.0f).shape(), (Shape{0, 3}));
  EXPECT_EQ(values(full({}, 5)), seq({5}));
  EXPECT_THROW(full({2, -1}, 1.0f), std::invalid_argument);
  EXPECT_THROW(zeros({-2}), std::invalid_argument);
  EXPECT_THROW(ones({3, -1}, int32), std::invalid_argument);
  EXPECT_THROW(full({2, 3}, array({1, 2})), std::invalid_argument);
}

TEST(Creation, EyeAndIdentity) {
  for (int n : {1, 2, 5}) {
    for (int m : {1, 3, 6}) {
      for (int k : {-6, -2, -1, 0, 1, 2, 5}) {
        auto e = eye(n, m, k, int32);
        EXPECT_EQ(e.shape(), (Shape{n, m}));
        auto v = values(e);
        for (int i = 0; i < n; ++i) {
          for (int j = 0; j < m; ++j) {
            ASSERT_EQ(v[i * m + j], j - i == k ? 1.0 : 0.0) << n << " " << m << " " << k;
          }
        }
      }
    }
  }
  EXPECT_EQ(eye(3).dtype(), float32);
  EXPECT_EQ(eye(3, bool_).dtype(), bool_);
  EXPECT_EQ(eye(2, 3).shape(), (Shape{2, 3}));
  EXPECT_EQ(values(eye(2, 3, 1)), seq({0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(values(identity(2, float16)), seq({1, 0, 0, 1}));
  EXPECT_EQ(identity(3).dtype(), float32);
  EXPECT_THROW(eye(0), std::invalid_argument);
  EXPECT_THROW(eye(2, -1), std::invalid_argument);
  EXPECT_THROW(identity(-1), std::invalid_argument);
}

TEST(Creation, TriTrilTriu) {
  for (int k : {-3, -1, 0, 1, 4}) {
    auto t = values(tri(3, 4, k, float32));
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 4; ++j) {
        ASSERT_EQ(t[i * 4 + j], j <= i + k ? 1.0 : 0.0) << k;
      }
    }
  }
  EXPECT_EQ(tri(3, bool_).shape(), (Shape{3, 3}));
  EXPECT_EQ(tri(3, bool_).dtype(), bool_);
  EXPECT_EQ(tri(0, 2, 0, int32).shape(), (Shape{0, 2}));
  // Extreme diagonals do not wrap around.
  EXPECT_EQ(values(tri(2, 2, std::numeric_limits<int>::max(), int32)), seq({1, 1, 1, 1}));
  EXPECT_EQ(values(tri(2, 2, std::numeric_limits<int>::min(), int32)), seq({0, 0, 0, 0}));
  EXPECT_EQ(values(eye(2, 2, std::numeric_limits<int>::max())), seq({0, 0, 0, 0}));
  EXPECT_THROW(tri(-1, 2, 0, int32), std::invalid_argument);
  // Batched, non-contiguous input.
  auto x = random_array({2, 5, 4}, int32, 1, 9, 5);
  auto xt = transpose(random_array({2, 4, 5}, int32, 1, 9, 6), {0, 2, 1});
  for (const auto& in : {x, xt}) {
    auto v = values(in);
    for (int k : {-2, 0, 1}) {
      auto lo = values(tril(in, k));
      auto up = values(triu(in, k));
      EXPECT_EQ(tril(in, k).dtype(), int32);
      for (int b = 0; b < 2; ++b) {
        for (int i = 0; i < 5; ++i) {
          for (int j = 0; j < 4; ++j) {
            int at = (b * 5 + i) * 4 + j;
            ASSERT_EQ(lo[at], j <= i + k ? v[at] : 0.0) << k;
            ASSERT_EQ(up[at], j >= i + k ? v[at] : 0.0) << k;
          }
        }
      }
    }
  }
  EXPECT_THROW(tril(zeros({3})), std::invalid_argument);
  EXPECT_THROW(triu(array(1.0f)), std::invalid_argument);
}

TEST(Creation, Meshgrid) {
  auto x = array({1, 2, 3});
  auto y = array({10, 20});
  auto xy = meshgrid({x, y});
  ASSERT_EQ(xy.size(), 2u);
  EXPECT_EQ(xy[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values(xy[0]), seq({1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(values(xy[1]), seq({10, 10, 10, 20, 20, 20}));
  auto ij = meshgrid({x, y}, false, "ij");
  EXPECT_EQ(ij[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(values(ij[0]), seq({1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(values(ij[1]), seq({10, 20, 10, 20, 10, 20}));
  auto sparse = meshgrid({x, y}, true);
  EXPECT_EQ(sparse[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(sparse[1].shape(), (Shape{2, 1}));
  auto sparse_ij = meshgrid({x, y}, true, "ij");
  EXPECT_EQ(sparse_ij[0].shape(), (Shape{3, 1}));
  EXPECT_EQ(sparse_ij[1].shape(), (Shape{1, 2}));
  // Three inputs: xy swaps only the first two axes; inputs are flattened.
  auto z = array({7, 8, 9, 6}, {2, 2});
  auto three = meshgrid({x, y, z});
  EXPECT_EQ(three[0].shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(three[2].shape(), (Shape{2, 3, 4}));
  auto v = values(three[2]);
  EXPECT_EQ(v[0], 7);
  EXPECT_EQ(v[3], 6);
  EXPECT_EQ(values(three[1])[4], 10);
  EXPECT_EQ(values(three[1])[12], 20);
  EXPECT_EQ(meshgrid({x}).at(0).shape(), Shape{3});
  EXPECT_TRUE(meshgrid({}).empty());
  EXPECT_THROW(meshgrid({x, y}, false, "xx"), std::invalid_argument);
}

TEST(Creation, WindowsMatchNumpy) {
  using std::numbers::pi;
  auto check = [](const char* name, const array& w, int M, const std::function<double(double)>& f) {
    EXPECT_EQ(w.dtype(), float32) << name;
    ASSERT_EQ(w.shape(), Shape{std::max(M, 0)}) << name;
    auto v = values(w);
    for (int i = 0; i < M; ++i) {
      // numpy's form: n = 1 - M, 3 - M, ..., M - 1.
      double n = 1 - M + 2.0 * i;
      double want = M == 1 ? 1.0 : f(n / (M - 1));
      EXPECT_NEAR(v[i], want, 1e-6) << name << " M " << M << " at " << i;
    }
  };
  for (int M : {-2, 0, 1, 2, 5, 12}) {
    check("hanning", hanning(M), M, [](double t) { return 0.5 + 0.5 * std::cos(pi * t); });
    check("hamming", hamming(M), M, [](double t) { return 0.54 + 0.46 * std::cos(pi * t); });
    check("bartlett", bartlett(M), M, [](double t) { return t <= 0 ? 1 + t : 1 - t; });
    check("blackman", blackman(M), M,
          [](double t) { return 0.42 + 0.5 * std::cos(pi * t) + 0.08 * std::cos(2 * pi * t); });
  }
  // Known values.
  auto h = values(hanning(5));
  EXPECT_NEAR(h[1], 0.5, 1e-7);
  EXPECT_NEAR(h[2], 1.0, 1e-7);
  EXPECT_NEAR(values(blackman(3))[0], 0.0, 1e-7);
}
