// Unary element-wise ops against double references on random inputs of every dtype (strided
// and broadcast views included), exact integer semantics, special values and errors.
#include <numbers>

#include "elementwise_helpers.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// erfinv in double by bisection on std::erf: slow, but independent of the kernel's method.
double erfinv_reference(double y) {
  if (y <= -1 || y >= 1) {
    return y == 1 ? INFINITY : (y == -1 ? -INFINITY : NAN);
  }
  double lo = -7, hi = 7;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    (std::erf(mid) < y ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

struct UnaryCase {
  std::string name;
  std::function<array(const array&)> op;
  std::function<cdouble(cdouble)> ref;
  double lo, hi;       // input range
  bool complex_inputs; // defined for complex64
  bool to_float;       // integers are computed in (and return) float32
};

const double pi = std::numbers::pi;

std::vector<UnaryCase> float_cases() {
  auto real_fn = [](double (*f)(double)) {
    return [f](cdouble z) { return cdouble(f(z.real()), 0); };
  };
  return {
      {"exp", [](auto& a) { return exp(a); }, [](cdouble z) { return std::exp(z); }, -10, 10, true,
       true},
      {"expm1", [](auto& a) { return expm1(a); },
       [](cdouble z) { return z.imag() == 0 ? cdouble(std::expm1(z.real())) : std::exp(z) - 1.0; },
       -2, 2, true, true},
      {"log", [](auto& a) { return log(a); }, [](cdouble z) { return std::log(z); }, 0.01, 100,
       true, true},
      {"log2", [](auto& a) { return log2(a); },
       [](cdouble z) { return std::log(z) / std::numbers::ln2; }, 0.01, 100, true, true},
      {"log10", [](auto& a) { return log10(a); }, [](cdouble z) { return std::log10(z); }, 0.01,
       100, true, true},
      {"log1p", [](auto& a) { return log1p(a); },
       [](cdouble z) { return z.imag() == 0 ? cdouble(std::log1p(z.real())) : std::log(1.0 + z); },
       -0.9, 10, true, true},
      {"sin", [](auto& a) { return sin(a); }, [](cdouble z) { return std::sin(z); }, -10, 10, true,
       true},
      {"cos", [](auto& a) { return cos(a); }, [](cdouble z) { return std::cos(z); }, -10, 10, true,
       true},
      {"tan", [](auto& a) { return tan(a); }, [](cdouble z) { return std::tan(z); }, -1.5, 1.5,
       true, true},
      {"arcsin", [](auto& a) { return arcsin(a); }, [](cdouble z) { return std::asin(z); }, -1, 1,
       true, true},
      {"arccos", [](auto& a) { return arccos(a); }, [](cdouble z) { return std::acos(z); }, -1, 1,
       true, true},
      {"arctan", [](auto& a) { return arctan(a); }, [](cdouble z) { return std::atan(z); }, -10, 10,
       true, true},
      {"sinh", [](auto& a) { return sinh(a); }, [](cdouble z) { return std::sinh(z); }, -5, 5, true,
       true},
      {"cosh", [](auto& a) { return cosh(a); }, [](cdouble z) { return std::cosh(z); }, -5, 5, true,
       true},
      {"tanh", [](auto& a) { return tanh(a); }, [](cdouble z) { return std::tanh(z); }, -5, 5, true,
       true},
      {"arcsinh", [](auto& a) { return arcsinh(a); }, [](cdouble z) { return std::asinh(z); }, -10,
       10, true, true},
      {"arccosh", [](auto& a) { return arccosh(a); }, [](cdouble z) { return std::acosh(z); }, 1,
       10, true, true},
      {"arctanh", [](auto& a) { return arctanh(a); }, [](cdouble z) { return std::atanh(z); },
       -0.99, 0.99, true, true},
      {"sqrt", [](auto& a) { return sqrt(a); }, [](cdouble z) { return std::sqrt(z); }, 0, 100,
       true, true},
      {"rsqrt", [](auto& a) { return rsqrt(a); }, [](cdouble z) { return 1.0 / std::sqrt(z); },
       0.01, 100, true, true},
      {"sigmoid", [](auto& a) { return sigmoid(a); },
       [](cdouble z) { return 1.0 / (1.0 + std::exp(-z)); }, -20, 20, true, true},
      {"erf", [](auto& a) { return erf(a); }, real_fn(std::erf), -3, 3, false, true},
      {"erfinv", [](auto& a) { return erfinv(a); }, real_fn(erfinv_reference), -0.99, 0.99, false,
       true},
      {"degrees", [](auto& a) { return degrees(a); }, [](cdouble z) { return z * 180.0 / pi; }, -10,
       10, true, true},
      {"radians", [](auto& a) { return radians(a); }, [](cdouble z) { return z * pi / 180.0; }, -10,
       10, true, true},
      {"reciprocal", [](auto& a) { return reciprocal(a); }, [](cdouble z) { return 1.0 / z; }, 0.1,
       10, true, true},
      {"abs", [](auto& a) { return abs(a); }, [](cdouble z) { return cdouble(std::abs(z)); }, -10,
       10, true, false},
      {"negative", [](auto& a) { return negative(a); }, [](cdouble z) { return -z; }, -10, 10, true,
       false},
      {"square", [](auto& a) { return square(a); }, [](cdouble z) { return z * z; }, -10, 10, true,
       false},
      {"sign", [](auto& a) { return sign(a); },
       [](cdouble z) {
         return z.imag() != 0 ? z / std::abs(z) : cdouble((z.real() > 0) - (z.real() < 0));
       },
       -10, 10, true, false},
      {"floor", [](auto& a) { return floor(a); }, real_fn(std::floor), -10, 10, false, false},
      {"ceil", [](auto& a) { return ceil(a); }, real_fn(std::ceil), -10, 10, false, false},
      {"round", [](auto& a) { return round(a); },
       [](cdouble z) { return cdouble(std::nearbyint(z.real()), std::nearbyint(z.imag())); }, -10,
       10, true, false},
      {"conjugate", [](auto& a) { return conjugate(a); }, [](cdouble z) { return std::conj(z); },
       -10, 10, true, false},
      {"real", [](auto& a) { return real(a); }, [](cdouble z) { return cdouble(z.real()); }, -10,
       10, true, false},
      {"imag", [](auto& a) { return imag(a); }, [](cdouble z) { return cdouble(z.imag()); }, -10,
       10, true, false},
  };
}

Dtype expected_dtype(const UnaryCase& c, Dtype in) {
  if (c.to_float) {
    return issubdtype(in, inexact) ? in : float32;
  }
  bool to_real = c.name == "abs" || c.name == "real" || c.name == "imag";
  return (to_real && in == complex64) ? float32 : in;
}

double result_tolerance(Dtype out) {
  // Complex transcendental functions in float lose a few more ulps than real ones.
  return out == complex64 ? 3e-5 : std::max(tolerance(out), out == float32 ? 1e-5 : 0.0);
}

void check_unary(const UnaryCase& c, const array& x, const std::string& what) {
  auto out = c.op(x);
  auto dtype = expected_dtype(c, x.dtype());
  ASSERT_EQ(out.dtype(), dtype) << what;
  ASSERT_EQ(out.shape(), x.shape()) << what;
  std::vector<cdouble> want;
  for (auto v : read(x)) {
    auto r = c.ref(v);
    if (dtype != complex64) {
      // Outside a real function's domain the complex reference leaves the real line: NaN.
      r = std::abs(r.imag()) > 1e-12 ? NAN : r.real();
    }
    want.push_back(r);
  }
  expect_close(out, want, result_tolerance(dtype), what);
}

} // namespace

TEST(Unary, FloatFunctionsMatchDoubleReferences) {
  uint32_t seed = 1;
  for (const auto& c : float_cases()) {
    for (auto t : all_dtypes()) {
      if ((t == complex64 && !c.complex_inputs) || (!c.to_float && !issubdtype(t, inexact))) {
        continue; // integer results of these are checked exactly below
      }
      auto x = random_array({37, 53}, t, c.lo, c.hi, seed++);
      check_unary(c, x, c.name + " of " + name(t));
    }
  }
}

TEST(Unary, StridedBroadcastAndLargeInputs) {
  uint32_t seed = 100;
  for (const auto& c : float_cases()) {
    for (auto t : {float32, float16, int32, complex64}) {
      if ((t == complex64 && !c.complex_inputs) || (!c.to_float && t == int32)) {
        continue;
      }
      auto x = random_array({23, 31}, t, c.lo, c.hi, seed++);
      for (const auto& [view_name, view] : strided_views(x)) {
        check_unary(c, view, c.name + " of " + view_name + " " + name(t));
      }
      auto row = random_array({1, 31}, t, c.lo, c.hi, seed++);
      check_unary(c, broadcast_to(row, {5, 31}), c.name + " of broadcast " + name(t));
      check_unary(c, broadcast_to(array(0.5f * (c.lo + c.hi)), {3, 4}), c.name + " of scalar");
    }
    // Several tasks of the thread pool, and a chain whose intermediate is donated.
    auto big = random_array({211, 307}, float32, c.lo, c.hi, seed++);
    check_unary(c, big, c.name + " of a large array");
    check_unary(c, transpose(big), c.name + " of a large transposed array");
  }
}

TEST(Unary, IntegerOpsAreExactAndWrap) {
  for (auto t : all_dtypes()) {
    if (!issubdtype(t, integer)) {
      continue;
    }
    dispatch_int_types(t, "", [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      auto x = random_bits({41, 29}, t, 5);
      auto v = read_as<T>(x);
      auto wrap = [](uint64_t u) { return static_cast<T>(u); }; // modular narrowing
      std::vector<T> neg, absv, sq, inv, sgn;
      std::vector<bool> lnot;
      for (T e : v) {
        uint64_t u = static_cast<uint64_t>(e);
        neg.push_back(wrap(uint64_t{0} - u));
        absv.push_back(e < 0 ? wrap(uint64_t{0} - u) : e);
        sq.push_back(wrap(u * u));
        inv.push_back(wrap(~u));
        sgn.push_back(static_cast<T>((e > 0) - (e < 0)));
        lnot.push_back(e == 0);
      }
      EXPECT_EQ(read_as<T>(negative(x)), neg) << name(t);
      EXPECT_EQ(read_as<T>(abs(x)), absv) << name(t);
      EXPECT_EQ(read_as<T>(square(x)), sq) << name(t);
      EXPECT_EQ(read_as<T>(bitwise_invert(x)), inv) << name(t);
      EXPECT_EQ(read_as<T>(~x), inv) << name(t);
      EXPECT_EQ(read_as<T>(sign(x)), sgn) << name(t);
      EXPECT_EQ(read_as<T>(-transpose(x)), read_as<T>(transpose(negative(x)))) << name(t);
      EXPECT_EQ(read_as<T>(floor(x)), v) << name(t);
      EXPECT_EQ(read_as<T>(ceil(x)), v) << name(t);
      EXPECT_EQ(read_as<T>(round(x)), v) << name(t);
      EXPECT_EQ(read_as<T>(round(x, 2)), v) << name(t);
      EXPECT_EQ(read_as<bool>(logical_not(x)), lnot) << name(t);
    });
  }
  auto minimum8 = array({int8_t{-128}, int8_t{5}}, int8);
  EXPECT_EQ(read_as<int8_t>(abs(minimum8)), (std::vector<int8_t>{-128, 5}));
  EXPECT_EQ(read_as<int8_t>(-minimum8), (std::vector<int8_t>{-128, -5}));
  EXPECT_EQ(read_as<uint8_t>(-array({uint8_t{1}}, uint8)), std::vector<uint8_t>{255});
  EXPECT_EQ(read_as<int64_t>(abs(array(INT64_MIN, int64))), std::vector<int64_t>{INT64_MIN});
}

TEST(Unary, BoolInputs) {
  auto b = array({true, false, true});
  EXPECT_EQ(read_as<bool>(abs(b)), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(sign(b)), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(square(b)), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(floor(b)), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(bitwise_invert(b)), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(read_as<bool>(logical_not(b)), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(read_as<bool>(!b), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(read_real(exp(b)), (std::vector<double>{std::exp(1.0f), 1.0, std::exp(1.0f)}));
}

TEST(Unary, SpecialValues) {
  auto f = array({NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1.0f, -1.0f, 2.0f});
  auto s = read_real(sign(f));
  EXPECT_EQ(s, (std::vector<double>{0, 1, -1, 0, 0, 1, -1, 1})); // sign(NaN) is 0, as MLX
  auto ln = read_as<bool>(logical_not(f));
  EXPECT_EQ(ln, (std::vector<bool>{false, false, false, true, true, false, false, false}));
  auto inv = read_real(erfinv(f));
  EXPECT_TRUE(std::isnan(inv[0]) && std::isnan(inv[1]) && std::isnan(inv[7]));
  EXPECT_EQ(inv[5], INFINITY);
  EXPECT_EQ(inv[6], -INFINITY);
  auto sig = read_real(sigmoid(array({-1000.0f, -100.0f, 100.0f, INFINITY, -INFINITY})));
  EXPECT_EQ(sig, (std::vector<double>{0, std::exp(-100.0f) / (1 + std::exp(-100.0f)), 1, 1, 0}));
  // Tiny arguments keep their precision (no cancellation in expm1 and log1p).
  auto tiny = array({1e-10f, -3e-9f});
  EXPECT_TRUE(close(read_real(expm1(tiny))[0], 1e-10, 1e-6 * 1e-10));
  EXPECT_TRUE(close(read_real(log1p(tiny))[1], std::log1p(-3e-9f), 1e-15));
  auto z = array(complex64_t(1e-10f, 2e-10f));
  auto e = read(expm1(z))[0];
  EXPECT_NEAR(e.real(), 1e-10, 1e-16);
  EXPECT_NEAR(e.imag(), 2e-10, 1e-16);
  auto l = read(log1p(z))[0];
  EXPECT_NEAR(l.real(), 1e-10, 1e-16);
  EXPECT_NEAR(l.imag(), 2e-10, 1e-16);
  auto c = read(sign(array({complex64_t(3, 4), complex64_t(0, 0)})));
  EXPECT_NEAR(c[0].real(), 0.6, 1e-7);
  EXPECT_NEAR(c[0].imag(), 0.8, 1e-7);
  EXPECT_EQ(c[1], cdouble(0));
  EXPECT_EQ(read_real(abs(array(complex64_t(3, -4)))), std::vector<double>{5});
}

TEST(Unary, RoundHalfToEvenAndDecimals) {
  auto x = array({0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 3.7f});
  EXPECT_EQ(read_real(round(x)), (std::vector<double>{0, 2, 2, -0.0, -2, 4}));
  for (auto t : {float16, bfloat16, float32, float64}) {
    auto y = astype(array({1.25f, -2.75f, 123.4f}), t);
    auto values = read_real(y);
    auto got = read_real(round(y, 1));
    for (size_t i = 0; i < values.size(); ++i) {
      double want = std::nearbyint(values[i] * 10) / 10;
      EXPECT_TRUE(close(got[i], want, tolerance(t))) << name(t) << " " << got[i] << " " << want;
    }
    EXPECT_EQ(round(y, 1).dtype(), t);
  }
  auto i = array({15, 25, -15, 1234, 123456789}, int32);
  EXPECT_EQ(read_as<int32_t>(round(i, -1)), (std::vector<int32_t>{20, 20, -20, 1230, 123456790}));
  EXPECT_EQ(read_as<int32_t>(round(i, -2)), (std::vector<int32_t>{0, 0, 0, 1200, 123456800}));
  auto u = array({uint8_t{250}, uint8_t{149}}, uint8);
  EXPECT_EQ(read_as<uint8_t>(round(u, -2)), (std::vector<uint8_t>{200, 100}));
  auto zc = round(array(complex64_t(1.26f, -2.5f)), 1);
  EXPECT_EQ(zc.dtype(), complex64);
  auto zv = read(zc)[0];
  EXPECT_NEAR(zv.real(), 1.3, 1e-6);
  EXPECT_NEAR(zv.imag(), -2.5, 1e-6);
}

TEST(Unary, RealImagConjugateOfRealArrays) {
  auto x = array({1.5f, -2.0f});
  EXPECT_EQ(real(x).id(), x.id());
  EXPECT_EQ(conjugate(x).id(), x.id());
  EXPECT_EQ(read_real(imag(x)), (std::vector<double>{0, 0}));
  EXPECT_EQ(imag(array({1, 2})).dtype(), int32);
}

TEST(Unary, ChainsReuseDonatedBuffers) {
  auto x = random_array({64, 64}, float32, -1, 1, 9);
  auto y = exp(negative(sin(x))); // the intermediates are donated to the next op
  std::vector<cdouble> want;
  for (auto v : read(x)) {
    want.push_back(std::exp(-std::sin(v.real())));
  }
  expect_close(y, want, 1e-6, "exp(-sin(x))");
}

TEST(Unary, Errors) {
  EXPECT_THROW(negative(array({true})), std::invalid_argument);
  EXPECT_THROW(-array({true}), std::invalid_argument);
  auto z = array(complex64_t(1, 2));
  EXPECT_THROW(floor(z), std::invalid_argument);
  EXPECT_THROW(ceil(z), std::invalid_argument);
  EXPECT_THROW(erf(z), std::invalid_argument);
  EXPECT_THROW(erfinv(z), std::invalid_argument);
  for (auto t : {float16, bfloat16, float32, float64, complex64}) {
    EXPECT_THROW(bitwise_invert(zeros({2}, t)), std::invalid_argument) << name(t);
    EXPECT_THROW(~zeros({2}, t), std::invalid_argument) << name(t);
  }
  try {
    floor(z);
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[floor]", 0), 0u) << e.what();
  }
  try {
    ceil(z);
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[ceil]", 0), 0u) << e.what();
  }
}
