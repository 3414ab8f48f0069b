// Reductions against float64 (or exact integer) references: every axis combination, keepdims,
// non-contiguous inputs, every dtype, MLX's result dtypes, NaN handling, the parallel and
// vector paths under every instruction set this CPU has, and every error path.
#include "backend/cpu/isa_select.h"
#include "reduction_reference.h"

using namespace reduction_test;
namespace cpu = mlx::core::cpu;

namespace {

Dtype sum_dtype(Dtype t) {
  if (t == bool_ || t == int8 || t == int16 || t == int32) {
    return int32;
  }
  if (t == uint8 || t == uint16 || t == uint32) {
    return uint32;
  }
  return t;
}

struct ReduceCase {
  std::string name;
  std::function<array(const array&, const std::vector<int>&, bool)> op;
  double init;
  std::function<double(double, double)> combine;
  std::function<Dtype(Dtype)> out_dtype;
  bool complex_ok;
};

std::vector<ReduceCase> reduce_cases() {
  auto nan_max = [](double a, double b) { return std::isnan(a) || a > b ? a : b; };
  auto nan_min = [](double a, double b) { return std::isnan(a) || a < b ? a : b; };
  auto same = [](Dtype t) { return t; };
  auto boolean = [](Dtype) { return bool_; };
  return {
      {"sum", [](auto& a, auto& ax, bool k) { return sum(a, ax, k); }, 0.0,
       [](double a, double b) { return a + b; }, sum_dtype, true},
      {"prod", [](auto& a, auto& ax, bool k) { return prod(a, ax, k); }, 1.0,
       [](double a, double b) { return a * b; }, sum_dtype, true},
      {"max", [](auto& a, auto& ax, bool k) { return max(a, ax, k); }, -INFINITY,
       [=](double a, double b) { return nan_max(b, a); }, same, false},
      {"min", [](auto& a, auto& ax, bool k) { return min(a, ax, k); }, INFINITY,
       [=](double a, double b) { return nan_min(b, a); }, same, false},
      {"all", [](auto& a, auto& ax, bool k) { return all(a, ax, k); }, 1.0,
       [](double a, double b) { return double(a != 0 && b != 0); }, boolean, true},
      {"any", [](auto& a, auto& ax, bool k) { return any(a, ax, k); }, 0.0,
       [](double a, double b) { return double(a != 0 || b != 0); }, boolean, true},
  };
}

// Inputs suited to each reduction: products near 1, many zeros for all/any.
array input_for(const std::string& op, const Shape& shape, Dtype dtype, uint32_t seed) {
  bool is_unsigned = dtype == uint8 || dtype == uint16 || dtype == uint32 || dtype == uint64;
  if (op == "prod") {
    if (is_float(dtype) || dtype == complex64) {
      return random_array(shape, dtype, 0.8, 1.25, seed);
    }
    return is_unsigned ? random_array(shape, dtype, 1, 2, seed)
                       : random_array(shape, dtype, -1, 1, seed);
  }
  if (op == "all" || op == "any") {
    return random_array(shape, dtype, is_unsigned ? 0 : -1, 1, seed);
  }
  return random_for(shape, dtype, seed);
}

// Tolerance of a reduction of `count` values of magnitude <= 1 stored in `out`.
void expect_reduced(const array& got, const std::vector<double>& want, Dtype out, int64_t count,
                    const std::string& what) {
  double acc_eps = out == float64 ? 1e-12 : 1e-6;
  expect_close(values(got), want, storage_eps(out) * 2, acc_eps * count, what);
}

// Runs fn under every instruction-set variant this CPU supports, then restores the best.
void for_each_isa(const std::function<void(const std::string&)>& fn) {
  for (auto isa : {cpu::Isa::baseline, cpu::Isa::avx2, cpu::Isa::avx512}) {
    if (static_cast<int>(isa) > static_cast<int>(cpu::best_supported_isa())) {
      continue;
    }
    cpu::force_isa_for_testing(isa);
    fn("isa " + std::to_string(static_cast<int>(isa)));
  }
  cpu::force_isa_for_testing(cpu::best_supported_isa());
}

} // namespace

TEST(Reduce, EveryAxisCombinationDtypeAndLayout) {
  Shape shape{3, 4, 5};
  for (const auto& rc : reduce_cases()) {
    for (Dtype dtype : all_dtypes()) {
      if (dtype == complex64 && !rc.complex_ok) {
        continue;
      }
      auto x = input_for(rc.name, rc.name == "prod" ? Shape{2, 3, 4} : shape, dtype, 11);
      auto ref_in = values(x);
      for (const auto& layout : layouts()) {
        auto in = layout.make(x);
        for (auto axes : axis_subsets(3)) {
          auto want = reduce_ref(ref_in, x.shape(), axes, rc.init, rc.combine);
          int64_t count = 1;
          for (int ax : axes) {
            count *= x.shape(ax);
          }
          for (bool keepdims : {true, false}) {
            // Negative axes name the same axes.
            std::vector<int> given = axes;
            if (keepdims) {
              for (auto& ax : given) {
                ax -= 3;
              }
            }
            auto what = rc.name + " " + std::string(dtype_to_string(dtype)) + " " + layout.name +
                        " " + axes_name(given) + (keepdims ? " keepdims" : "");
            auto out = rc.op(in, given, keepdims);
            EXPECT_EQ(out.dtype(), rc.out_dtype(dtype)) << what;
            Shape want_shape;
            for (int i = 0; i < 3; ++i) {
              bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
              if (!reduced || keepdims) {
                want_shape.push_back(reduced ? 1 : x.shape(i));
              }
            }
            EXPECT_EQ(out.shape(), want_shape) << what;
            expect_reduced(out, want, out.dtype(), count, what);
          }
        }
      }
    }
  }
}

TEST(Reduce, BroadcastInputs) {
  auto base = random_for({3, 1, 6}, float32, 3);
  auto x = broadcast_to(base, {3, 5, 6});
  auto ref_in = values(x);
  for (const auto& rc : reduce_cases()) {
    for (auto axes : axis_subsets(3)) {
      auto want = reduce_ref(ref_in, x.shape(), axes, rc.init, rc.combine);
      expect_reduced(rc.op(x, axes, true), want, rc.out_dtype(float32), 90,
                     rc.name + " broadcast " + axes_name(axes));
    }
  }
}

TEST(Reduce, ComplexSumProdAllAny) {
  std::vector<complex64_t> v = {{1, 2}, {0, 0}, {-3, 0.5f}, {0, 1}};
  auto x = array(v.begin(), {2, 2}, complex64);
  auto s = sum(x, 0);
  s.eval();
  EXPECT_EQ(s.dtype(), complex64);
  EXPECT_EQ(s.data<complex64_t>()[0], complex64_t(-2, 2.5f));
  EXPECT_EQ(s.data<complex64_t>()[1], complex64_t(0, 1));
  auto p = prod(x, 1);
  p.eval();
  EXPECT_EQ(p.data<complex64_t>()[0], complex64_t(0, 0));
  EXPECT_EQ(p.data<complex64_t>()[1], complex64_t(-3, 0.5f) * complex64_t(0, 1));
  // 1j is non-zero: all/any look at the imaginary part too.
  EXPECT_TRUE(all(array(v.begin() + 3, {1}, complex64)).item<bool>());
  EXPECT_FALSE(all(x).item<bool>());
  EXPECT_TRUE(any(x).item<bool>());
}

TEST(Reduce, ResultDtypesFollowMlx) {
  for (Dtype t : all_dtypes()) {
    auto x = zeros({2, 3}, t);
    EXPECT_EQ(sum(x).dtype(), sum_dtype(t)) << dtype_to_string(t);
    EXPECT_EQ(prod(x, 1).dtype(), sum_dtype(t)) << dtype_to_string(t);
    EXPECT_EQ(all(x).dtype(), bool_);
    EXPECT_EQ(any(x, 0).dtype(), bool_);
    EXPECT_EQ(count_nonzero(x).dtype(), int32);
    Dtype fl = is_float(t) || t == complex64 ? t : float32;
    EXPECT_EQ(mean(x).dtype(), fl) << dtype_to_string(t);
    if (t != complex64) {
      EXPECT_EQ(max(x).dtype(), t);
      EXPECT_EQ(min(x, 0).dtype(), t);
      EXPECT_EQ(argmax(x, 1).dtype(), uint32);
      EXPECT_EQ(var(x).dtype(), fl) << dtype_to_string(t);
      EXPECT_EQ(mlx::core::std(x, 0).dtype(), fl) << dtype_to_string(t);
    }
  }
  // No axes: nothing reduced, nothing promoted (as MLX).
  auto i8 = array({1, 2}, int8);
  EXPECT_EQ(sum(i8, std::vector<int>{}).dtype(), int8);
  EXPECT_EQ(prod(i8, std::vector<int>{}).dtype(), int8);
  // Reducing only size-1 axes still converts.
  auto r = sum(reshape(i8, {2, 1}), 1);
  EXPECT_EQ(r.dtype(), int32);
  EXPECT_EQ(values(r), (std::vector<double>{1, 2}));
}

TEST(Reduce, IntegerSumsAndProductsWrapInTheirType) {
  // int8 sums count in int32: no wrap at 127.
  auto x = full({300}, 100, int8);
  EXPECT_EQ(sum(x).item<int32_t>(), 30000);
  // uint8 in uint32.
  EXPECT_EQ(sum(full({300}, 200, uint8)).item<uint32_t>(), 60000u);
  // int32 wraps modulo 2^32, as MLX.
  auto big = full({3}, 1 << 30, int32);
  EXPECT_EQ(sum(big).item<int32_t>(), static_cast<int32_t>(3u << 30));
  EXPECT_EQ(prod(full({3}, 3, int64)).item<int64_t>(), 27);
  EXPECT_EQ(prod(array({true, true, false})).item<int32_t>(), 0);
  EXPECT_EQ(prod(array({true, true})).item<int32_t>(), 1);
  EXPECT_EQ(sum(array({true, true, false})).item<int32_t>(), 2);
  EXPECT_EQ(max(array({false, true})).item<bool>(), true);
  EXPECT_EQ(min(array({false, true})).item<bool>(), false);
  // uint64 and int64 extremes survive max/min.
  auto u = array({uint64_t{0}, ~uint64_t{0}, uint64_t{5}}, uint64);
  EXPECT_EQ(max(u).item<uint64_t>(), ~uint64_t{0});
  auto s = array({int64_t{-9000000000000000000}, int64_t{3}}, int64);
  EXPECT_EQ(min(s).item<int64_t>(), int64_t{-9000000000000000000});
}

TEST(Reduce, MeanVarStdAgainstFloat64) {
  Shape shape{4, 3, 6};
  for (Dtype dtype : {int32, uint8, float16, float32, float64, bfloat16}) {
    auto x = random_for(shape, dtype, 5);
    auto v = values(x);
    for (const auto& layout : layouts()) {
      auto in = layout.make(x);
      for (auto axes : axis_subsets(3)) {
        int64_t n = 1;
        for (int ax : axes) {
          n *= shape[ax];
        }
        auto total = reduce_ref(v, shape, axes, 0, [](double a, double b) { return a + b; });
        std::vector<double> mu(total.size());
        for (size_t i = 0; i < mu.size(); ++i) {
          mu[i] = total[i] / n;
        }
        // Sum of squared deviations, per output.
        Shape kept = shape;
        for (int ax : axes) {
          kept[ax] = 1;
        }
        std::vector<double> ss(total.size(), 0.0);
        for (size_t i = 0; i < v.size(); ++i) {
          auto idx = unravel(static_cast<int64_t>(i), shape);
          for (int ax : axes) {
            idx[ax] = 0;
          }
          auto o = ravel(idx, kept);
          ss[o] += (v[i] - mu[o]) * (v[i] - mu[o]);
        }
        Dtype out = is_float(dtype) ? dtype : float32;
        double rtol = storage_eps(out) * 4;
        double atol = (out == float64 ? 1e-12 : 1e-5) * (dtype == int32 || dtype == uint8 ? 40 : 1);
        auto what = std::string(dtype_to_string(dtype)) + " " + layout.name + " " + axes_name(axes);
        expect_close(values(mean(in, axes, true)), mu, rtol, atol, "mean " + what);
        for (int ddof : {0, 1}) {
          std::vector<double> want_var(ss.size()), want_std(ss.size());
          for (size_t i = 0; i < ss.size(); ++i) {
            want_var[i] = n - ddof > 0 ? ss[i] / (n - ddof) : (ss[i] > 0 ? INFINITY : NAN);
            want_std[i] = std::sqrt(want_var[i]);
          }
          double scale = dtype == int32 || dtype == uint8 ? 400 : 1;
          expect_close(values(var(in, axes, true, ddof)), want_var, rtol, atol * scale,
                       "var ddof " + std::to_string(ddof) + " " + what);
          expect_close(values(mlx::core::std(in, axes, false, ddof)), want_std, rtol, atol * 20,
                       "std ddof " + std::to_string(ddof) + " " + what);
        }
      }
    }
  }
}

TEST(Reduce, VarWithTooLargeDdofDividesByZero) {
  auto x = array({1.0f, 3.0f});
  EXPECT_TRUE(std::isinf(var(x, false, 2).item<float>()));
  EXPECT_TRUE(std::isinf(var(x, false, 5).item<float>()));
  EXPECT_TRUE(std::isnan(var(array({2.0f, 2.0f}), false, 2).item<float>()));
  EXPECT_FLOAT_EQ(var(x, false, 1).item<float>(), 2.0f);
}

TEST(Reduce, HalfMeanDoesNotOverflowItsStorage) {
  // 20000 * 8 = 160000 exceeds float16's range; the mean (8) does not.
  auto x = full({20000}, 8.0f, float16);
  EXPECT_EQ(mean(x).item<float16_t>(), float16_t(8.0f));
  EXPECT_NEAR(static_cast<float>(var(x).item<float16_t>()), 0.0f, 1e-6);
}

TEST(Reduce, EmptyArrays) {
  auto e = zeros({0, 3}, float32);
  auto s = sum(e, 0);
  EXPECT_EQ(s.shape(), Shape{3});
  EXPECT_EQ(values(s), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(values(prod(e, 0)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(all(e, 0)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(any(e, 0)), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(sum(e, 1).shape(), Shape{0});
  EXPECT_EQ(sum(e).item<float>(), 0.0f);
  EXPECT_EQ(sum(zeros({0}, int8)).item<int32_t>(), 0);
  EXPECT_EQ(count_nonzero(e).item<int32_t>(), 0);
  EXPECT_TRUE(std::isnan(mean(e).item<float>()));
  EXPECT_THROW(max(e), std::invalid_argument);
  EXPECT_THROW(min(e, 0), std::invalid_argument);
  EXPECT_THROW(argmax(e, 1), std::invalid_argument);
  EXPECT_THROW(argmin(e), std::invalid_argument);
}

TEST(Reduce, NanPropagatesThroughMaxAndMin) {
  for_each_isa([](const std::string& isa) {
    for (Dtype dtype : float_dtypes()) {
      for (int n : {1, 5, 16, 33, 100, 1031}) {
        for (int pos : {0, n / 2, n - 1}) {
          std::vector<float> v(n);
          for (int i = 0; i < n; ++i) {
            v[i] = static_cast<float>((i * 37) % 11) - 5.0f;
          }
          v[pos] = NAN;
          auto x = array(v.begin(), {n}, dtype);
          auto what = isa + " " + dtype_to_string(dtype) + " n " + std::to_string(n) + " at " +
                      std::to_string(pos);
          EXPECT_TRUE(std::isnan(values(max(x))[0])) << what;
          EXPECT_TRUE(std::isnan(values(min(x))[0])) << what;
          // Column path: the NaN column only.
          auto col = reshape(x, {n, 1});
          auto wide = concatenate({col, ones_like(col)}, 1);
          auto m = values(max(wide, 0));
          EXPECT_TRUE(std::isnan(m[0])) << what;
          EXPECT_EQ(m[1], 1.0) << what;
          // The sum is NaN too.
          EXPECT_TRUE(std::isnan(values(sum(x))[0])) << what;
        }
      }
    }
  });
}

TEST(Reduce, InfinitiesInMaxMinAndSum) {
  auto x = array({1.0f, INFINITY, -2.0f});
  EXPECT_EQ(max(x).item<float>(), INFINITY);
  EXPECT_EQ(min(x).item<float>(), -2.0f);
  EXPECT_EQ(min(array({-INFINITY, -INFINITY})).item<float>(), -INFINITY);
  EXPECT_EQ(max(array({-INFINITY, -INFINITY})).item<float>(), -INFINITY);
  EXPECT_TRUE(std::isnan(sum(array({INFINITY, -INFINITY})).item<float>()));
}

// Large inputs take the parallel and split paths: a full reduction, few long rows, few wide
// columns, many columns, and a strided view, for each vectorized dtype and instruction set.
TEST(Reduce, LargeRowColumnAndGeneralPaths) {
  struct Case {
    Shape shape;
    std::vector<int> axes;
    bool strided;
  };
  std::vector<Case> cases = {
      {{(1 << 20) + 37}, {0}, false}, {{3, 200001}, {1}, false},   {{100003, 3}, {0}, false},
      {{20001, 70}, {0}, false},      {{9, 5001, 13}, {1}, false}, {{6, 7, 6001}, {0, 2}, false},
      {{300, 2001}, {1}, true},       {{2001, 300}, {0}, true},
  };
  for (Dtype dtype : {float32, float16, bfloat16, int32}) {
    for (const auto& c : cases) {
      Shape shape = c.shape;
      auto in = random_for(shape, dtype, 3);
      if (c.strided) {
        // Every second element of the last axis of a twice-as-wide array.
        Shape wide_shape = shape;
        wide_shape.back() *= 2;
        Shape start(shape.size(), 0), step(shape.size(), 1);
        step.back() = 2;
        in = slice(random_for(wide_shape, dtype, 4), start, wide_shape, step);
      }
      auto v = values(in);
      int64_t count = 1;
      for (int ax : c.axes) {
        count *= shape[ax];
      }
      auto want_sum = reduce_ref(v, shape, c.axes, 0, [](double a, double b) { return a + b; });
      auto want_max = reduce_ref(v, shape, c.axes, -INFINITY,
                                 [](double a, double b) { return std::max(a, b); });
      auto want_min =
          reduce_ref(v, shape, c.axes, INFINITY, [](double a, double b) { return std::min(a, b); });
      Dtype out = sum_dtype(dtype);
      for_each_isa([&](const std::string& isa) {
        auto what = isa + " " + dtype_to_string(dtype) + " " + axes_name(c.axes) + " of " +
                    std::to_string(v.size());
        // Random signs: the error grows like sqrt(count); allow count-proportional slack.
        expect_close(values(sum(in, c.axes, true)), want_sum, storage_eps(out) * 2,
                     (out == int32 ? 0 : 1e-6 * count), "sum " + what);
        expect_close(values(max(in, c.axes, true)), want_max, 0, 0, "max " + what);
        expect_close(values(min(in, c.axes, true)), want_min, 0, 0, "min " + what);
      });
    }
  }
}

TEST(Reduce, ProductOfManyFloatsUsesVectorKernels) {
  for_each_isa([](const std::string& isa) {
    for (Dtype dtype : {float32, float16, bfloat16}) {
      auto x = random_array({1503}, dtype, 0.99, 1.01, 17);
      auto v = values(x);
      double want = 1;
      for (double e : v) {
        want *= e;
      }
      auto what = isa + " " + dtype_to_string(dtype);
      EXPECT_NEAR(values(prod(x))[0], want, want * storage_eps(dtype) * 2) << what;
      auto cols = values(prod(reshape(x, {501, 3}), 0));
      for (int j = 0; j < 3; ++j) {
        double c = 1;
        for (int i = 0; i < 501; ++i) {
          c *= v[i * 3 + j];
        }
        EXPECT_NEAR(cols[j], c, c * storage_eps(dtype) * 2) << what << " column " << j;
      }
    }
  });
}

TEST(Reduce, ArgMaxArgMinEveryAxisDtypeAndLayout) {
  for (Dtype dtype : real_dtypes()) {
    // Few distinct values, so ties are common and the first index must win.
    auto x = random_array({4, 5, 6}, dtype, 0, dtype == bool_ ? 1 : 3, 13);
    auto v = values(x);
    for (const auto& layout : layouts()) {
      auto in = layout.make(x);
      for (int axis = -3; axis < 3; ++axis) {
        int ax = axis < 0 ? axis + 3 : axis;
        for (bool is_max : {true, false}) {
          Shape kept = x.shape();
          kept[ax] = 1;
          std::vector<double> want(x.size() / x.shape(ax));
          for (size_t o = 0; o < want.size(); ++o) {
            auto idx = unravel(static_cast<int64_t>(o), kept);
            double best = 0;
            int best_i = 0;
            for (int i = 0; i < x.shape(ax); ++i) {
              idx[ax] = i;
              double val = v[ravel(idx, x.shape())];
              if (i == 0 || (is_max ? val > best : val < best)) {
                best = val;
                best_i = i;
              }
            }
            want[o] = best_i;
          }
          auto out = is_max ? argmax(in, axis, true) : argmin(in, axis, true);
          auto what = std::string(is_max ? "argmax " : "argmin ") + dtype_to_string(dtype) + " " +
                      layout.name + " axis " + std::to_string(axis);
          EXPECT_EQ(out.dtype(), uint32) << what;
          EXPECT_EQ(out.shape(), kept) << what;
          EXPECT_EQ(values(out), want) << what;
          EXPECT_EQ(values(is_max ? argmax(in, axis) : argmin(in, axis)), want) << what;
        }
      }
    }
  }
}

TEST(Reduce, ArgMaxOverTheFlattenedArray) {
  auto x = array({3, 9, 9, 1, 0, 9}, {2, 3}, int32);
  auto a = argmax(x);
  EXPECT_EQ(a.shape(), Shape{});
  EXPECT_EQ(a.item<uint32_t>(), 1u);
  auto k = argmin(x, true);
  EXPECT_EQ(k.shape(), (Shape{1, 1}));
  EXPECT_EQ(k.item<uint32_t>(), 4u);
  EXPECT_EQ(argmax(array(7.0f)).item<uint32_t>(), 0u);
  // A size-1 axis is all zeros.
  EXPECT_EQ(values(argmax(reshape(x, {6, 1}), 1)), (std::vector<double>{0, 0, 0, 0, 0, 0}));
}

TEST(Reduce, ArgMaxTakesTheFirstNan) {
  for (Dtype dtype : float_dtypes()) {
    auto x = array({1.0f, NAN, 5.0f, NAN}, dtype);
    EXPECT_EQ(argmax(x).item<uint32_t>(), 1u) << dtype_to_string(dtype);
    EXPECT_EQ(argmin(x).item<uint32_t>(), 1u) << dtype_to_string(dtype);
    auto cols = reshape(array({1.0f, 2.0f, NAN, 0.0f, 3.0f, NAN}, dtype), {3, 2});
    EXPECT_EQ(values(argmax(cols, 0)), (std::vector<double>{1, 2}));
    EXPECT_EQ(values(argmin(cols, 0)), (std::vector<double>{1, 2}));
  }
}

TEST(Reduce, ArgMaxOfManyRowsAndColumns) {
  // The column path (axis 0 of a row-major array) and the per-row vector path, with parallel
  // work, ties, and NaN at every position class (first vector, middle, tail).
  for (Dtype dtype : {float32, float16, bfloat16, int16}) {
    auto x = random_array({301, 257}, dtype, -3, 3, 9);
    auto v = values(x);
    for (int i : {5, 100, 256}) {
      if (is_float(dtype)) {
        v[i * 257 + i % 7] = NAN;     // rows 5, 100, 256
        v[(i + 1) * 257 + 250] = NAN; // and a NaN near the end of the next row
      }
    }
    x = array(v.begin(), {301, 257}, dtype);
    v = values(x);
    auto ref = [&](bool is_max, bool along_rows) {
      int outer = along_rows ? 301 : 257;
      int n = along_rows ? 257 : 301;
      std::vector<double> want(outer);
      for (int o = 0; o < outer; ++o) {
        int best = 0;
        auto at = [&](int i) { return along_rows ? v[o * 257 + i] : v[i * 257 + o]; };
        for (int i = 1; i < n; ++i) {
          double b = at(best), c = at(i);
          if (!std::isnan(b) && (std::isnan(c) || (is_max ? c > b : c < b))) {
            best = i;
          }
        }
        want[o] = best;
      }
      return want;
    };
    for_each_isa([&](const std::string& isa) {
      auto what = isa + " " + dtype_to_string(dtype);
      EXPECT_EQ(values(argmax(x, 0)), ref(true, false)) << "argmax columns " << what;
      EXPECT_EQ(values(argmin(x, 0)), ref(false, false)) << "argmin columns " << what;
      EXPECT_EQ(values(argmax(x, 1)), ref(true, true)) << "argmax rows " << what;
      EXPECT_EQ(values(argmin(x, 1)), ref(false, true)) << "argmin rows " << what;
    });
  }
}

TEST(Reduce, CountNonzero) {
  auto x = array({0.0f, 1.5f, -0.0f, 2.0f, 0.0f, 3.0f}, {2, 3});
  EXPECT_EQ(count_nonzero(x).item<int32_t>(), 3);
  EXPECT_EQ(values(count_nonzero(x, 0)), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(values(count_nonzero(x, 1, true)), (std::vector<double>{1, 2}));
  EXPECT_EQ(count_nonzero(x, 1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(values(count_nonzero(x, std::vector<int>{})), (std::vector<double>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(count_nonzero(x, std::vector<int>{}).dtype(), int32);
  std::vector<complex64_t> c = {{0, 1}, {0, 0}};
  EXPECT_EQ(count_nonzero(array(c.begin(), {2}, complex64)).item<int32_t>(), 1);
}

TEST(Reduce, ErrorsOnBadAxesAndDtypes) {
  auto x = zeros({2, 3, 4});
  for (auto bad : std::vector<std::vector<int>>{{3}, {-4}, {0, 0}, {1, -2}}) {
    EXPECT_THROW(sum(x, bad), std::invalid_argument) << axes_name(bad);
    EXPECT_THROW(prod(x, bad), std::invalid_argument);
    EXPECT_THROW(max(x, bad), std::invalid_argument);
    EXPECT_THROW(min(x, bad), std::invalid_argument);
    EXPECT_THROW(all(x, bad), std::invalid_argument);
    EXPECT_THROW(any(x, bad), std::invalid_argument);
    EXPECT_THROW(mean(x, bad), std::invalid_argument);
    EXPECT_THROW(var(x, bad), std::invalid_argument);
    EXPECT_THROW(mlx::core::std(x, bad), std::invalid_argument);
    EXPECT_THROW(count_nonzero(x, bad), std::invalid_argument);
    EXPECT_THROW(logsumexp(x, bad), std::invalid_argument);
    EXPECT_THROW(softmax(x, bad), std::invalid_argument);
  }
  EXPECT_THROW(argmax(x, 3), std::invalid_argument);
  EXPECT_THROW(argmin(x, -4), std::invalid_argument);
  auto c = zeros({2}, complex64);
  EXPECT_THROW(max(c), std::invalid_argument);
  EXPECT_THROW(min(c), std::invalid_argument);
  EXPECT_THROW(argmax(c), std::invalid_argument);
  EXPECT_THROW(argmin(c, 0), std::invalid_argument);
  try {
    sum(x, 5);
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[sum]", 0), 0u) << e.what();
  }
  try {
    max(zeros({0}));
    FAIL() << "no throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[max]", 0), 0u) << e.what();
  }
}
