// Scans (cumsum, cumprod, cummax, cummin, logcumsumexp) and diff against float64 (or exact
// integer) references: every axis, reverse and exclusive forms, non-contiguous inputs, every
// dtype, MLX's result dtypes, NaN and infinities, the parallel paths, and errors.
#include "reduction_reference.h"

using namespace reduction_test;

namespace {

struct ScanCase {
  std::string name;
  std::function<array(const array&, int, bool, bool)> op;
  double init;
  std::function<double(double, double)> combine;
};

double log_add_exp(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) {
    return NAN;
  }
  double hi = std::max(a, b), lo = std::min(a, b);
  if (lo == -INFINITY || hi == INFINITY) {
    return hi;
  }
  return hi + std::log1p(std::exp(lo - hi));
}

std::vector<ScanCase> scan_cases() {
  return {
      {"cumsum", [](auto& a, int ax, bool r, bool i) { return cumsum(a, ax, r, i); }, 0.0,
       [](double a, double b) { return a + b; }},
      {"cumprod", [](auto& a, int ax, bool r, bool i) { return cumprod(a, ax, r, i); }, 1.0,
       [](double a, double b) { return a * b; }},
      {"cummax", [](auto& a, int ax, bool r, bool i) { return cummax(a, ax, r, i); }, -INFINITY,
       [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b); }},
      {"cummin", [](auto& a, int ax, bool r, bool i) { return cummin(a, ax, r, i); }, INFINITY,
       [](double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b); }},
      {"logcumsumexp", [](auto& a, int ax, bool r, bool i) { return logcumsumexp(a, ax, r, i); },
       -INFINITY, log_add_exp},
  };
}

// The scan of `v` (row-major, shape) along `axis`.
std::vector<double> scan_ref(const std::vector<double>& v, const Shape& shape, int axis,
                             bool reverse, bool inclusive, const ScanCase& sc) {
  std::vector<double> out(v.size());
  int64_t n = shape[axis];
  int64_t inner = 1;
  for (size_t d = axis + 1; d < shape.size(); ++d) {
    inner *= shape[d];
  }
  int64_t outer = static_cast<int64_t>(v.size()) / std::max<int64_t>(n * inner, 1);
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      double acc = sc.init;
      for (int64_t k = 0; k < n; ++k) {
        int64_t i = reverse ? n - 1 - k : k;
        int64_t at = (o * n + i) * inner + j;
        if (inclusive) {
          acc = sc.combine(acc, v[at]);
          out[at] = acc;
        } else {
          out[at] = acc;
          acc = sc.combine(acc, v[at]);
        }
      }
    }
  }
  return out;
}

// Inputs whose scans stay representable: products near 1 (or of +-1 for integers).
array scan_input(const std::string& op, const Shape& shape, Dtype dtype, uint32_t seed) {
  bool is_unsigned = dtype == uint8 || dtype == uint16 || dtype == uint32 || dtype == uint64;
  if (op == "cumprod") {
    if (is_float(dtype) || dtype == complex64) {
      return random_array(shape, dtype, 0.8, 1.25, seed);
    }
    return is_unsigned ? random_array(shape, dtype, 1, 1, seed)
                       : random_array(shape, dtype, -1, 1, seed);
  }
  if (op == "cumsum" && (dtype == int8 || dtype == uint8)) {
    return random_array(shape, dtype, is_unsigned ? 0 : -3, 3, seed);
  }
  return random_for(shape, dtype, seed);
}

} // namespace

TEST(Scan, EveryAxisDirectionDtypeAndLayout) {
  Shape shape{3, 4, 5};
  for (const auto& sc : scan_cases()) {
    for (Dtype dtype : real_dtypes()) {
      auto x = scan_input(sc.name, shape, dtype, 31);
      auto v = values(x);
      Dtype out_dtype = dtype;
      if (sc.name == "cumsum" && dtype == bool_) {
        out_dtype = int32;
      }
      if (sc.name == "logcumsumexp" && !is_float(dtype)) {
        out_dtype = float32;
      }
      for (const auto& layout : layouts()) {
        auto in = layout.make(x);
        for (int axis = -3; axis < 3; ++axis) {
          for (bool reverse : {false, true}) {
            for (bool inclusive : {true, false}) {
              auto want = scan_ref(v, shape, axis < 0 ? axis + 3 : axis, reverse, inclusive, sc);
              auto what = sc.name + " " + dtype_to_string(dtype) + " " + layout.name + " axis " +
                          std::to_string(axis) + (reverse ? " reverse" : "") +
                          (inclusive ? "" : " exclusive");
              auto out = sc.op(in, axis, reverse, inclusive);
              EXPECT_EQ(out.dtype(), out_dtype) << what;
              EXPECT_EQ(out.shape(), shape) << what;
              if (dtype == bool_ && sc.name == "cumprod") {
                // bool stays bool: the running product is a running "and".
                for (auto& w : want) {
                  w = w != 0;
                }
              }
              auto got = values(out);
              if (!is_float(out_dtype)) {
                // Exclusive integer max/min start from the type's limits: ExclusiveIdentities.
                for (size_t i = 0; i < want.size(); ++i) {
                  got[i] = std::isinf(want[i]) ? want[i] : got[i];
                }
              }
              double tol = is_float(out_dtype) ? storage_eps(out_dtype) * 4 : 0;
              expect_close(got, want, tol, is_float(out_dtype) ? 1e-6 : 0, what);
            }
          }
        }
      }
    }
  }
}

TEST(Scan, ExclusiveIdentities) {
  auto f = array({2.0f, 3.0f});
  EXPECT_EQ(values(cumsum(f, 0, false, false)), (std::vector<double>{0, 2}));
  EXPECT_EQ(values(cumprod(f, 0, false, false)), (std::vector<double>{1, 2}));
  EXPECT_EQ(values(cummax(f, 0, false, false)), (std::vector<double>{-INFINITY, 2}));
  EXPECT_EQ(values(cummin(f, 0, true, false)), (std::vector<double>{3, INFINITY}));
  EXPECT_EQ(values(logcumsumexp(f, 0, false, false)), (std::vector<double>{-INFINITY, 2}));
  auto evaluated = [](array a) {
    a.eval();
    return a;
  };
  auto i = array({5, -7}, int32);
  EXPECT_EQ(evaluated(cummax(i, 0, false, false)).data<int32_t>()[0],
            std::numeric_limits<int32_t>::min());
  EXPECT_EQ(evaluated(cummin(i, 0, false, false)).data<int32_t>()[0],
            std::numeric_limits<int32_t>::max());
  auto u = array({5, 7}, uint8);
  EXPECT_EQ(evaluated(cummax(u, 0, true, false)).data<uint8_t>()[1], 0);
  EXPECT_EQ(evaluated(cummin(u, 0, true, false)).data<uint8_t>()[1], 255);
}

TEST(Scan, FlattenedOverloads) {
  auto x = array({1, 2, 3, 4, 5, 6}, {2, 3}, int32);
  EXPECT_EQ(cumsum(x).shape(), Shape{6});
  EXPECT_EQ(values(cumsum(x)), (std::vector<double>{1, 3, 6, 10, 15, 21}));
  EXPECT_EQ(values(cumsum(x, true)), (std::vector<double>{21, 20, 18, 15, 11, 6}));
  EXPECT_EQ(values(cumsum(x, false, false)), (std::vector<double>{0, 1, 3, 6, 10, 15}));
  EXPECT_EQ(values(cumprod(x)), (std::vector<double>{1, 2, 6, 24, 120, 720}));
  EXPECT_EQ(values(cummax(array({1, 3, 2, 5, 4}))), (std::vector<double>{1, 3, 3, 5, 5}));
  EXPECT_EQ(values(cummin(array({4, 3, 5, 1, 2}))), (std::vector<double>{4, 3, 3, 1, 1}));
  auto l = values(logcumsumexp(array({0.0f, 0.0f})));
  EXPECT_NEAR(l[1], std::log(2.0), 1e-6);
  EXPECT_EQ(cumsum(array(3)).shape(), Shape{1});
}

TEST(Scan, ResultDtypes) {
  EXPECT_EQ(cumsum(array({true, false})).dtype(), int32);
  EXPECT_EQ(values(cumsum(array({true, true, false, true}))), (std::vector<double>{1, 2, 2, 3}));
  EXPECT_EQ(cumprod(array({true, false})).dtype(), bool_);
  EXPECT_EQ(cummax(array({true, false})).dtype(), bool_);
  EXPECT_EQ(cumsum(array({1, 2}, int8)).dtype(), int8); // no promotion, unlike sum
  EXPECT_EQ(cumsum(array({1, 2}, float16)).dtype(), float16);
  EXPECT_EQ(logcumsumexp(array({1, 2}, int32)).dtype(), float32);
  EXPECT_EQ(logcumsumexp(array({1, 2}, bfloat16)).dtype(), bfloat16);
  // int8 wraps in its own type, as MLX.
  EXPECT_EQ(values(cumsum(array({100, 100}, int8)))[1], -56);
}

TEST(Scan, ComplexSumAndProduct) {
  std::vector<complex64_t> v = {{1, 1}, {0, 1}, {2, 0}};
  auto x = array(v.begin(), {3}, complex64);
  auto s = cumsum(x);
  s.eval();
  EXPECT_EQ(s.dtype(), complex64);
  EXPECT_EQ(s.data<complex64_t>()[2], complex64_t(3, 2));
  auto p = cumprod(x, 0, true);
  p.eval();
  EXPECT_EQ(p.data<complex64_t>()[1], complex64_t(0, 2));
  EXPECT_EQ(p.data<complex64_t>()[0], complex64_t(1, 1) * complex64_t(0, 2));
  EXPECT_THROW(cummax(x), std::invalid_argument);
  EXPECT_THROW(cummin(x, 0), std::invalid_argument);
  EXPECT_THROW(logcumsumexp(x), std::invalid_argument);
}

TEST(Scan, NanAndInfinities) {
  for (Dtype dtype : float_dtypes()) {
    auto x = array({1.0f, NAN, 0.5f, 3.0f}, dtype);
    auto m = values(cummax(x));
    EXPECT_EQ(m[0], 1.0);
    for (int i = 1; i < 4; ++i) {
      EXPECT_TRUE(std::isnan(m[i])) << dtype_to_string(dtype) << " " << i;
    }
    EXPECT_TRUE(std::isnan(values(cummin(x))[3]));
    EXPECT_TRUE(std::isnan(values(cumsum(x))[2]));
    EXPECT_TRUE(std::isnan(values(logcumsumexp(x))[3]));
    auto inf = array({-INFINITY, 0.0f, INFINITY, 1.0f}, dtype);
    auto l = values(logcumsumexp(inf));
    EXPECT_EQ(l[0], -INFINITY);
    EXPECT_NEAR(l[1], 0.0, 1e-7);
    EXPECT_EQ(l[2], INFINITY);
    EXPECT_EQ(l[3], INFINITY);
    EXPECT_EQ(values(logcumsumexp(array({-INFINITY, -INFINITY}, dtype)))[1], -INFINITY);
  }
}

TEST(Scan, HalfTypesAccumulateInFloat) {
  // 4096 ones: every partial sum is exact in float; float16 storage holds up to 2048 exactly
  // and then rounds to even, but the running value must not lose the increments.
  auto x = ones({4096}, float16);
  auto s = values(cumsum(x));
  EXPECT_EQ(s[2047], 2048.0);
  EXPECT_EQ(s[4095], 4096.0);
  auto b = values(cumsum(full({1000}, 0.01f, bfloat16)));
  EXPECT_NEAR(b[999], 1000 * static_cast<float>(bfloat16_t(0.01f)), 0.05);
}

TEST(Scan, LargeInputsTakeEveryParallelPath) {
  struct Case {
    Shape shape;
    int axis;
  };
  for (const auto& c : std::vector<Case>{
           {{3, 100001}, 1}, {{100001, 3}, 0}, {{64, 3000}, 0}, {{5, 700, 2100}, 1}}) {
    for (Dtype dtype : {float32, int32, bfloat16}) {
      auto x = random_for(c.shape, dtype, 41);
      auto v = values(x);
      ScanCase sum_case = scan_cases()[0];
      for (bool reverse : {false, true}) {
        auto want = scan_ref(v, c.shape, c.axis, reverse, true, sum_case);
        auto what = std::string(dtype_to_string(dtype)) + " axis " + std::to_string(c.axis) +
                    " of " + std::to_string(v.size()) + (reverse ? " reverse" : "");
        // The running sum of up to 1e5 values in float: error grows with the length.
        double atol = dtype == int32 ? 0 : (dtype == float32 ? 1e-6 : 1e-4) * c.shape[c.axis];
        expect_close(values(cumsum(x, c.axis, reverse)), want,
                     dtype == bfloat16 ? storage_eps(dtype) * 2 : 0, atol, what);
      }
    }
  }
}

TEST(Scan, Errors) {
  auto x = zeros({2, 3});
  EXPECT_THROW(cumsum(x, 2), std::invalid_argument);
  EXPECT_THROW(cumprod(x, -3), std::invalid_argument);
  EXPECT_THROW(cummax(x, 5), std::invalid_argument);
  EXPECT_THROW(cummin(x, -4), std::invalid_argument);
  EXPECT_THROW(logcumsumexp(x, 2), std::invalid_argument);
  EXPECT_THROW(cumsum(array(1.0f), 0), std::invalid_argument);
  try {
    cumsum(x, 7);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[cumsum]", 0), 0u) << e.what();
  }
  // Empty arrays scan to empty arrays.
  EXPECT_EQ(cumsum(zeros({0, 3}), 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(values(cumsum(zeros({0, 3}), 1)).size(), 0u);
}

TEST(Diff, AgainstNumpyDefinition) {
  auto x = random_array({4, 6, 5}, int32, -9, 9, 3);
  auto v = values(x);
  for (const auto& layout : layouts()) {
    auto in = layout.make(x);
    for (int axis = -3; axis < 3; ++axis) {
      int ax = axis < 0 ? axis + 3 : axis;
      auto cur = v;
      Shape shape = x.shape();
      for (int n = 0; n <= 7; ++n) {
        auto out = diff(in, n, axis);
        auto what = layout.name + " n " + std::to_string(n) + " axis " + std::to_string(axis);
        EXPECT_EQ(out.shape(), shape) << what;
        EXPECT_EQ(out.dtype(), int32) << what;
        EXPECT_EQ(values(out), cur) << what;
        if (shape[ax] == 0) {
          continue;
        }
        // One more difference along ax.
        Shape next = shape;
        next[ax] -= 1;
        std::vector<double> nv;
        for (int64_t i = 0; i < static_cast<int64_t>(cur.size()); ++i) {
          auto idx = unravel(i, shape);
          if (idx[ax] + 1 < shape[ax]) {
            auto up = idx;
            up[ax] += 1;
            nv.push_back(cur[ravel(up, shape)] - cur[i]);
          }
        }
        cur = nv;
        shape = next;
      }
    }
  }
}

TEST(Diff, DtypesAndErrors) {
  EXPECT_EQ(values(diff(array({true, true, false, true}))), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(diff(array({true, false})).dtype(), bool_);
  EXPECT_EQ(values(diff(array({1.5f, 4.0f, 3.0f}), 2)), (std::vector<double>{-3.5}));
  EXPECT_EQ(diff(array({1, 2}, uint8)).dtype(), uint8);
  EXPECT_EQ(values(diff(array({1, 2}, uint8)))[0], 1);
  EXPECT_THROW(diff(array(1.0f)), std::invalid_argument);
  EXPECT_THROW(diff(array({1, 2}), -1), std::invalid_argument);
  EXPECT_THROW(diff(zeros({2, 2}), 1, 2), std::invalid_argument);
  EXPECT_THROW(diff(zeros({2, 2}), 1, -3), std::invalid_argument);
}
