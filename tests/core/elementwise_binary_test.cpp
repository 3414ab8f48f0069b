// Binary element-wise ops against double or exact integer references on random inputs of every
// dtype, with broadcasting and strided views, plus the integer corner cases (division by zero,
// MIN / -1, oversized shifts, negative powers) that must not trap.
#include "backend/cpu/elementwise.h"
#include "elementwise_helpers.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

using BinaryFn = std::function<array(const array&, const array&)>;
using RefFn = std::function<cdouble(cdouble, cdouble)>;

// Checks op(a, b) against ref applied to the inputs converted to the promoted dtype.
void check_binary(const BinaryFn& op, const RefFn& ref, const array& a, const array& b, double rtol,
                  const std::string& what) {
  auto out = op(a, b);
  auto t = promote_types(a.dtype(), b.dtype());
  auto shape = broadcast_shapes(a.shape(), b.shape());
  ASSERT_EQ(out.shape(), shape) << what;
  auto va = read(broadcast_to(astype(a, t), shape));
  auto vb = read(broadcast_to(astype(b, t), shape));
  std::vector<cdouble> want;
  for (size_t i = 0; i < va.size(); ++i) {
    auto r = ref(va[i], vb[i]);
    want.push_back(out.dtype() == complex64 ? r : cdouble(r.real()));
  }
  expect_close(out, want, rtol, what);
}

bool lex_less(cdouble x, cdouble y) {
  return x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag());
}

struct FloatCase {
  std::string name;
  BinaryFn op;
  RefFn ref;
  double lo, hi;
  bool complex_ok;
};

std::vector<FloatCase> float_cases() {
  return {
      {"add", [](auto& a, auto& b) { return a + b; }, [](cdouble x, cdouble y) { return x + y; },
       -10, 10, true},
      {"subtract", [](auto& a, auto& b) { return a - b; },
       [](cdouble x, cdouble y) { return x - y; }, -10, 10, true},
      {"multiply", [](auto& a, auto& b) { return a * b; },
       [](cdouble x, cdouble y) { return x * y; }, -10, 10, true},
      {"divide", [](auto& a, auto& b) { return a / b; },
       [](cdouble x, cdouble y) { return y == 0.0 ? cdouble(x.real() / y.real()) : x / y; }, -10,
       10, true},
      {"remainder", [](auto& a, auto& b) { return a % b; },
       [](cdouble x, cdouble y) {
         double r = std::fmod(x.real(), y.real());
         return cdouble(r != 0 && ((r < 0) != (y.real() < 0)) ? r + y.real() : r);
       },
       -10, 10, false},
      {"power", [](auto& a, auto& b) { return power(a, b); },
       [](cdouble x, cdouble y) {
         return x.imag() == 0 && y.imag() == 0 ? cdouble(std::pow(x.real(), y.real()))
                                               : std::pow(x, y);
       },
       0.1, 3, true},
      {"arctan2", [](auto& a, auto& b) { return arctan2(a, b); },
       [](cdouble x, cdouble y) { return cdouble(std::atan2(x.real(), y.real())); }, -10, 10,
       false},
      {"logaddexp", [](auto& a, auto& b) { return logaddexp(a, b); },
       [](cdouble x, cdouble y) {
         if (x.imag() == 0 && y.imag() == 0) {
           double hi = std::max(x.real(), y.real()), lo = std::min(x.real(), y.real());
           return cdouble(hi + std::log1p(std::exp(lo - hi)));
         }
         return std::log(std::exp(x) + std::exp(y));
       },
       -5, 5, true},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); },
       [](cdouble x, cdouble y) { return lex_less(x, y) ? y : x; }, -10, 10, true},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); },
       [](cdouble x, cdouble y) { return lex_less(y, x) ? y : x; }, -10, 10, true},
  };
}

double binary_tolerance(Dtype t) {
  return t == complex64 ? 3e-5 : std::max(tolerance(t), t == float32 ? 1e-5 : 0.0);
}

} // namespace

TEST(Binary, FloatOpsMatchDoubleReferences) {
  uint32_t seed = 1;
  for (const auto& c : float_cases()) {
    for (auto t : {float16, bfloat16, float32, float64, complex64, int32}) {
      // Integer remainders (and divisions by zero) are checked exactly in the integer tests.
      if ((t == complex64 && !c.complex_ok) || (t == int32 && c.name == "remainder")) {
        continue;
      }
      auto out_t = c.name == "divide" || c.name == "arctan2" || c.name == "logaddexp"
                       ? (issubdtype(t, inexact) ? t : float32)
                       : t;
      bool integral_power = c.name == "power" && !issubdtype(t, inexact);
      double lo = integral_power ? 0 : c.lo, hi = integral_power ? 4 : c.hi;
      auto a = random_array({29, 31}, t, lo, hi, seed++);
      auto b = random_array({29, 31}, t, lo, hi, seed++);
      auto what = c.name + " " + name(t);
      EXPECT_EQ(c.op(a, b).dtype(), out_t) << what;
      check_binary(c.op, c.ref, a, b, binary_tolerance(out_t), what);
      auto row = random_array({1, 31}, t, lo, hi, seed++);
      check_binary(c.op, c.ref, a, row, binary_tolerance(out_t), what + " broadcast row");
      check_binary(c.op, c.ref, row, a, binary_tolerance(out_t), what + " broadcast lhs");
      auto col = random_array({29, 1}, t, lo, hi, seed++);
      check_binary(c.op, c.ref, col, row, binary_tolerance(out_t), what + " outer");
      auto scalar = random_array({}, t, lo + 0.5, hi, seed++);
      check_binary(c.op, c.ref, scalar, a, binary_tolerance(out_t), what + " scalar lhs");
      check_binary(c.op, c.ref, a, scalar, binary_tolerance(out_t), what + " scalar rhs");
      for (const auto& [view_name, view] : strided_views(a)) {
        check_binary(c.op, c.ref, view, b, binary_tolerance(out_t), what + " " + view_name);
        check_binary(c.op, c.ref, b, view, binary_tolerance(out_t), what + " rhs " + view_name);
      }
    }
  }
}

TEST(Binary, MixedDtypesPromoteBeforeComputing) {
  std::vector<std::pair<Dtype, Dtype>> pairs = {
      {int8, float16}, {uint8, int8},       {bool_, float32}, {int32, complex64},
      {uint64, int64}, {bfloat16, float16}, {uint32, int32},  {float64, bfloat16}};
  uint32_t seed = 50;
  for (const auto& c : float_cases()) {
    for (auto [ta, tb] : pairs) {
      auto t = promote_types(ta, tb);
      if ((t == complex64 && !c.complex_ok) || (!issubdtype(t, inexact) && c.name == "remainder")) {
        continue;
      }
      bool integral_power = c.name == "power" && !issubdtype(t, inexact);
      double lo = integral_power ? 0 : c.lo, hi = integral_power ? 4 : c.hi;
      auto a = random_array({13, 17}, ta, lo, hi, seed++);
      auto b = random_array({17}, tb, lo, hi, seed++);
      auto out_t = c.op(a, b).dtype();
      check_binary(c.op, c.ref, a, b, binary_tolerance(out_t),
                   c.name + " " + name(ta) + " " + name(tb));
    }
  }
}

TEST(Binary, LargeInputsAcrossThreadsAndStreamingStores) {
  // 6M float32 elements: 72 MB touched, past the last-level cache of most machines, so the
  // output is written with streaming stores; the transposed case takes the strided loop.
  auto a = random_array({2000, 3000}, float32, -1, 1, 70);
  auto b = random_array({2000, 3000}, float32, -1, 1, 71);
  auto va = read(a), vb = read(b);
  for (auto [what, out] :
       {std::pair{"flat", a * b + a}, std::pair{"strided", transpose(a) * 2.0f}}) {
    auto got = read(out);
    bool flat = std::string(what) == "flat";
    for (size_t i = 0; i < got.size(); ++i) {
      double want;
      if (flat) {
        want = static_cast<float>(static_cast<float>(va[i].real() * vb[i].real()) + va[i].real());
      } else {
        size_t r = i / 2000, c = i % 2000; // out is [3000, 2000]
        want = 2 * va[c * 3000 + r].real();
      }
      ASSERT_EQ(got[i].real(), want) << what << " element " << i;
    }
  }
}

TEST(Binary, StreamingFlatLoopWritesEveryElementOnce) {
  // Odd lengths and a destination that is not 16-byte aligned.
  for (int64_t n : {1, 7, 1023, 1025, 70001}) {
    std::vector<float> dst(n + 3, -1.0f);
    float* out = dst.data() + 1;
    cpu::flat_apply<float, float>(out, n, /* stream */ true, [](int64_t b, int64_t m, float* r) {
      for (int64_t k = 0; k < m; ++k) {
        r[k] = static_cast<float>(b + k) * 2;
      }
    });
    EXPECT_EQ(dst[0], -1.0f);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(out[i], 2.0f * i) << n;
    }
    EXPECT_EQ(dst[n + 1], -1.0f);
    std::vector<uint8_t> bytes(n + 5, 7);
    cpu::flat_apply<uint8_t, int>(bytes.data() + 3, n, true, [](int64_t b, int64_t m, int* r) {
      for (int64_t k = 0; k < m; ++k) {
        r[k] = static_cast<int>((b + k) & 0x7f);
      }
    });
    EXPECT_EQ(bytes[2], 7);
    EXPECT_EQ(bytes[n + 3], 7);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_EQ(bytes[i + 3], i & 0x7f);
    }
  }
}

TEST(Binary, ComparisonsAndLogicalOpsForEveryDtype) {
  uint32_t seed = 200;
  for (auto t : all_dtypes()) {
    // A narrow range gives many equal pairs.
    auto a = random_array({19, 21}, t, -3, 3, seed++);
    auto b = random_array({21}, t, -3, 3, seed++);
    auto what = name(t);
    auto eq = [](cdouble x, cdouble y) { return cdouble(x == y); };
    check_binary([](auto& x, auto& y) { return x == y; }, eq, a, b, 0, what + " ==");
    check_binary([](auto& x, auto& y) { return x != y; },
                 [](cdouble x, cdouble y) { return cdouble(x != y); }, a, b, 0, what + " !=");
    check_binary([](auto& x, auto& y) { return x < y; },
                 [](cdouble x, cdouble y) { return cdouble(lex_less(x, y)); }, a, b, 0,
                 what + " <");
    check_binary([](auto& x, auto& y) { return x <= y; },
                 [](cdouble x, cdouble y) { return cdouble(!lex_less(y, x)); }, a, b, 0,
                 what + " <=");
    check_binary([](auto& x, auto& y) { return x > y; },
                 [](cdouble x, cdouble y) { return cdouble(lex_less(y, x)); }, a, b, 0,
                 what + " >");
    check_binary([](auto& x, auto& y) { return x >= y; },
                 [](cdouble x, cdouble y) { return cdouble(!lex_less(x, y)); }, a, b, 0,
                 what + " >=");
    check_binary([](auto& x, auto& y) { return logical_and(x, y); },
                 [](cdouble x, cdouble y) { return cdouble(x != 0.0 && y != 0.0); }, a, b, 0,
                 what + " &&");
    check_binary([](auto& x, auto& y) { return x || y; },
                 [](cdouble x, cdouble y) { return cdouble(x != 0.0 || y != 0.0); }, a, b, 0,
                 what + " ||");
    check_binary([](auto& x, auto& y) { return array_equal(x, x) && equal(x, y); }, eq, a, b, 0,
                 what + " array_equal");
  }
  auto nan = array({NAN, 1.0f});
  EXPECT_EQ(read_as<bool>(nan == nan), (std::vector<bool>{false, true}));
  EXPECT_EQ(read_as<bool>(nan != nan), (std::vector<bool>{true, false}));
  EXPECT_EQ(read_as<bool>(nan < 2.0f), (std::vector<bool>{false, true}));
  EXPECT_EQ(read_as<bool>(logical_and(nan, array(true))), (std::vector<bool>{true, true}));
}

TEST(Binary, NaNsPropagateThroughMaximumAndMinimum) {
  auto x = array({NAN, 1.0f, 2.0f, -INFINITY});
  auto y = array({1.0f, NAN, 3.0f, -INFINITY});
  auto mx = read_real(maximum(x, y));
  auto mn = read_real(minimum(x, y));
  EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]) && std::isnan(mn[0]) && std::isnan(mn[1]));
  EXPECT_EQ(mx[2], 3);
  EXPECT_EQ(mn[2], 2);
  EXPECT_EQ(mx[3], -INFINITY);
}

TEST(Binary, LogAddExpSpecialValues) {
  auto x = array({-INFINITY, INFINITY, INFINITY, NAN, 1000.0f, -1000.0f});
  auto y = array({-INFINITY, INFINITY, -INFINITY, 1.0f, 1000.0f, 5.0f});
  auto r = read_real(logaddexp(x, y));
  EXPECT_EQ(r[0], -INFINITY);
  EXPECT_EQ(r[1], INFINITY);
  EXPECT_EQ(r[2], INFINITY);
  EXPECT_TRUE(std::isnan(r[3]));
  EXPECT_NEAR(r[4], 1000 + std::log(2.0), 1e-4);
  EXPECT_EQ(r[5], 5.0);
  auto z = read(logaddexp(array(complex64_t(1, 3)), array(complex64_t(1, 3))));
  auto want = std::log(2.0 * std::exp(cdouble(1, 3)));
  EXPECT_NEAR(z[0].real(), want.real(), 1e-5);
  EXPECT_NEAR(z[0].imag(), want.imag(), 1e-5); // phase wrapped into [-pi, pi]
}
