// Selection and tests (where, clip, isnan/isinf/..., nan_to_num, isclose, allclose,
// array_equal), the C++ operators, and every error path of the element-wise ops.
#include "core/primitives/elementwise.h"
#include "elementwise_helpers.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// Expects `f` to throw std::invalid_argument whose message starts with "[op]".
template <typename F>
void expect_op_error(F f, const std::string& op) {
  try {
    f();
    ADD_FAILURE() << "expected [" << op << "] to throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[" + op + "]", 0), 0u) << e.what();
  }
}

} // namespace

TEST(Where, SelectsWithBroadcastingForEveryDtype) {
  uint32_t seed = 1;
  for (auto t : all_dtypes()) {
    auto cond = random_array({7, 1}, uint8, 0, 2, seed++); // any dtype: non-zero is true
    auto x = random_array({7, 9}, t, -5, 5, seed++);
    auto y = random_array({9}, t, -5, 5, seed++);
    auto out = where(cond, x, y);
    EXPECT_EQ(out.dtype(), t);
    EXPECT_EQ(out.shape(), (Shape{7, 9}));
    auto vc = read(broadcast_to(cond, {7, 9}));
    auto vx = read(x), vy = read(broadcast_to(y, {7, 9}));
    std::vector<cdouble> want;
    for (size_t i = 0; i < vc.size(); ++i) {
      want.push_back(vc[i] != 0.0 ? vx[i] : vy[i]);
    }
    expect_close(out, want, 0, "where " + name(t));
    expect_close(
        where(transpose(broadcast_to(cond, {7, 9})), transpose(x), array(0.0f)),
        [&] {
          std::vector<cdouble> w(63);
          for (int i = 0; i < 9; ++i) {
            for (int j = 0; j < 7; ++j) {
              w[i * 7 + j] = vc[j * 9 + i] != 0.0 ? vx[j * 9 + i] : 0.0;
            }
          }
          return w;
        }(),
        0, "where transposed " + name(t));
  }
  auto big_cond = random_array({400, 300}, bool_, 0, 1, 99);
  auto big = where(big_cond, array(1.5f), array(-2.0f));
  auto vb = read(big_cond);
  auto got = read_real(big);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], vb[i] != 0.0 ? 1.5 : -2.0);
  }
  EXPECT_EQ(where(array(true), array(1), array(2.0f)).item<float>(), 1.0f);
}

TEST(Clip, BoundsEitherOrBoth) {
  auto x = array({-3.0f, 0.5f, 2.0f, 9.0f, NAN});
  auto both = read_real(clip(x, array(-1.0f), array(3.0f)));
  EXPECT_EQ(std::vector<double>(both.begin(), both.begin() + 4),
            (std::vector<double>{-1, 0.5, 2, 3}));
  EXPECT_TRUE(std::isnan(both[4]));
  EXPECT_EQ(read_real(clip(x, array(0.0f), std::nullopt))[0], 0.0);
  EXPECT_EQ(read_real(clip(x, std::nullopt, array(1.0f)))[3], 1.0);
  auto per_column = clip(array({1, 5, 9, 13}, {2, 2}), array({2, 6}), array({3, 20}));
  EXPECT_EQ(read_as<int32_t>(per_column), (std::vector<int32_t>{2, 6, 3, 13}));
  expect_op_error([&] { clip(x, std::nullopt, std::nullopt); }, "clip");
}

TEST(FloatTests, IsNanInfFiniteForEveryDtype) {
  for (auto t : all_dtypes()) {
    auto x = astype(array({0.0f, 1.0f, -2.0f}), t);
    EXPECT_EQ(read_as<bool>(isnan(x)), (std::vector<bool>{false, false, false})) << name(t);
    EXPECT_EQ(read_as<bool>(isinf(x)), (std::vector<bool>{false, false, false})) << name(t);
    EXPECT_EQ(read_as<bool>(isfinite(x)), (std::vector<bool>{true, true, true})) << name(t);
    if (!issubdtype(t, inexact)) {
      continue;
    }
    auto s = astype(array({NAN, INFINITY, -INFINITY, 3.0f}), t);
    EXPECT_EQ(read_as<bool>(isnan(s)), (std::vector<bool>{true, false, false, false})) << name(t);
    EXPECT_EQ(read_as<bool>(isinf(s)), (std::vector<bool>{false, true, true, false})) << name(t);
    EXPECT_EQ(read_as<bool>(isposinf(s)), (std::vector<bool>{false, true, false, false}));
    EXPECT_EQ(read_as<bool>(isneginf(s)), (std::vector<bool>{false, false, true, false}));
    EXPECT_EQ(read_as<bool>(isfinite(s)), (std::vector<bool>{false, false, false, true}));
  }
  // Complex: NaN if either part is; infinite (as MLX) only when equal to +-inf + 0j.
  auto z = array(
      {complex64_t(1, NAN), complex64_t(INFINITY, 0), complex64_t(1, INFINITY), complex64_t(1, 2)});
  EXPECT_EQ(read_as<bool>(isnan(z)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(read_as<bool>(isposinf(z)), (std::vector<bool>{false, true, false, false}));
  EXPECT_EQ(read_as<bool>(isfinite(z)), (std::vector<bool>{false, false, true, true}));
}

TEST(NanToNum, ReplacesWithDefaultsOrGivenValues) {
  std::vector<std::pair<Dtype, double>> largest = {{float16, 65504.0},
                                                   {bfloat16, 3.3895313892515355e38},
                                                   {float32, std::numeric_limits<float>::max()},
                                                   {float64, std::numeric_limits<double>::max()}};
  for (auto [t, max] : largest) {
    auto x = astype(array({NAN, INFINITY, -INFINITY, 2.5f}), t);
    auto out = nan_to_num(x);
    EXPECT_EQ(out.dtype(), t);
    auto v = read_real(out);
    EXPECT_EQ(v[0], 0.0) << name(t);
    EXPECT_EQ(v[1], max) << name(t);
    EXPECT_EQ(v[2], -max) << name(t);
    EXPECT_EQ(v[3], 2.5) << name(t);
    EXPECT_EQ(read_real(nan_to_num(x, 1.0f, 7.0f, -8.0f)), (std::vector<double>{1, 7, -8, 2.5}));
  }
  auto i = array({1, 2});
  EXPECT_EQ(nan_to_num(i).id(), i.id());
  expect_op_error([] { nan_to_num(array(complex64_t(NAN, 0))); }, "nan_to_num");
}

TEST(IsClose, TolerancesInfinitiesAndNaNs) {
  auto a = array({1.0f, 1.0f, INFINITY, INFINITY, NAN, 0.0f});
  auto b = array({1.0f + 1e-6f, 1.1f, INFINITY, -INFINITY, NAN, 1e-9f});
  EXPECT_EQ(read_as<bool>(isclose(a, b)),
            (std::vector<bool>{true, false, true, false, false, true}));
  EXPECT_EQ(read_as<bool>(isclose(a, b, 1e-5, 1e-8, true)),
            (std::vector<bool>{true, false, true, false, true, true}));
  EXPECT_EQ(read_as<bool>(isclose(a, b, 0.2)),
            (std::vector<bool>{true, true, true, false, false, true}));
  EXPECT_FALSE(allclose(a, b).item<bool>());
  EXPECT_TRUE(allclose(array({1.0f, 2.0f}), array({1.0f, 2.0f + 1e-6f})).item<bool>());
  EXPECT_TRUE(allclose(array({1.0f, NAN}), array({1.0f, NAN}), 1e-5, 1e-8, true).item<bool>());
  // Integers compare as floats: no wrap-around in a - b.
  auto u = array({uint8_t{1}, uint8_t{250}}, uint8);
  auto v = array({uint8_t{2}, uint8_t{5}}, uint8);
  EXPECT_EQ(read_as<bool>(isclose(u, v, 0, 1)), (std::vector<bool>{true, false}));
  // Broadcasting, and float64 tolerances kept in float64.
  EXPECT_EQ(isclose(zeros({3, 1}), zeros({4})).shape(), (Shape{3, 4}));
  auto d = float64_array({1.0, 1.0});
  auto e = float64_array({1.0 + 1e-12, 1.0 + 1e-9});
  EXPECT_EQ(read_as<bool>(isclose(d, e, 1e-10, 0)), (std::vector<bool>{true, false}));
  expect_op_error([] { isclose(zeros({2}), zeros({3})); }, "isclose");
}

TEST(ArrayEqual, ShapesDtypesAndNaNs) {
  auto x = array({1, 2, 3, 4});
  EXPECT_TRUE(array_equal(x, array({1, 2, 3, 4})).item<bool>());
  EXPECT_FALSE(array_equal(x, array({1, 2, 4, 5})).item<bool>());
  EXPECT_FALSE(array_equal(x, array({1, 2, 3})).item<bool>());
  EXPECT_FALSE(array_equal(x, reshape(x, {2, 2})).item<bool>());
  EXPECT_TRUE(array_equal(x, array({1.0f, 2.0f, 3.0f, 4.0f})).item<bool>());
  for (auto t : {float16, bfloat16, float32, float64, complex64}) {
    auto n = astype(array({0.0f, NAN}), t);
    EXPECT_FALSE(array_equal(n, n).item<bool>()) << name(t);
    EXPECT_TRUE(array_equal(n, n, true).item<bool>()) << name(t);
  }
  auto z1 = array({complex64_t(NAN, 1)});
  auto z2 = array({complex64_t(NAN, 2)});
  EXPECT_FALSE(array_equal(z1, z2, true).item<bool>());
  EXPECT_TRUE(array_equal(transpose(reshape(x, {2, 2})), array({1, 3, 2, 4}, {2, 2})).item<bool>());
  EXPECT_EQ(array_equal(x, x).dtype(), bool_);
  EXPECT_EQ(array_equal(x, x).ndim(), 0u);
}

TEST(Operators, ArraysAndScalarsOnEitherSide) {
  auto a = array({6, -7, 8});
  auto f = array({1.5f, -2.0f, 4.0f});
  EXPECT_EQ(read_as<int32_t>(a + 1), (std::vector<int32_t>{7, -6, 9}));
  EXPECT_EQ(read_as<int32_t>(1 + a), (std::vector<int32_t>{7, -6, 9}));
  EXPECT_EQ(read_as<int32_t>(a - 1), (std::vector<int32_t>{5, -8, 7}));
  EXPECT_EQ(read_as<int32_t>(1 - a), (std::vector<int32_t>{-5, 8, -7}));
  EXPECT_EQ(read_as<int32_t>(a * 2), (std::vector<int32_t>{12, -14, 16}));
  EXPECT_EQ(read_as<int32_t>(2 * a), (std::vector<int32_t>{12, -14, 16}));
  EXPECT_EQ(read_real(a / 4.0), (std::vector<double>{1.5, -1.75, 2}));
  EXPECT_EQ(read_real(3.0 / f), (std::vector<double>{2, -1.5, 0.75}));
  EXPECT_EQ(read_real(a / a), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(read_as<int32_t>(a % 4), (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(read_as<int32_t>(20 % a), (std::vector<int32_t>{2, -1, 4}));
  EXPECT_EQ(read_as<int32_t>(a % a), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(read_as<int32_t>(a & array(3)), (std::vector<int32_t>{2, 1, 0}));
  EXPECT_EQ(read_as<int32_t>(a | array(1)), (std::vector<int32_t>{7, -7, 9}));
  EXPECT_EQ(read_as<int32_t>(a ^ array(-1)), (std::vector<int32_t>{-7, 6, -9}));
  EXPECT_EQ(read_as<int32_t>(a << array(2)), (std::vector<int32_t>{24, -28, 32}));
  EXPECT_EQ(read_as<int32_t>(a >> array(1)), (std::vector<int32_t>{3, -4, 4}));
  EXPECT_EQ(read_as<int32_t>(-a), (std::vector<int32_t>{-6, 7, -8}));
  EXPECT_EQ(read_as<int32_t>(~a), (std::vector<int32_t>{-7, 6, -9}));
  EXPECT_EQ(read_as<bool>(!a), (std::vector<bool>{false, false, false}));
  EXPECT_EQ(read_as<bool>(a == 8), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(read_as<bool>(8 == a), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(read_as<bool>(a != 8), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(read_as<bool>(-7 != a), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(a < 7), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(read_as<bool>(7 < a), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(read_as<bool>(a <= 6), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(read_as<bool>(6 <= a), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(read_as<bool>(a > 6), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(read_as<bool>(6 > a), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(read_as<bool>(a >= 6.5f), (std::vector<bool>{false, false, true}));
  EXPECT_EQ(read_as<bool>(6.5f >= a), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(read_as<bool>((a > 0) && (a < 7)), (std::vector<bool>{true, false, false}));
  EXPECT_EQ(read_as<bool>((a > 7) || (a < 0)), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(read_real(f * 2.0f + 1.0f), (std::vector<double>{4, -3, 9}));
}

TEST(ElementwiseErrors, EveryThrowHasItsOpName) {
  auto z = array(complex64_t(1, 2));
  auto f = array({1.5f});
  expect_op_error([&] { negative(array({true})); }, "negative");
  expect_op_error([&] { floor(z); }, "floor");
  expect_op_error([&] { ceil(z); }, "ceil");
  expect_op_error([&] { erf(z); }, "erf");
  expect_op_error([&] { erfinv(z); }, "erfinv");
  expect_op_error([&] { bitwise_invert(f); }, "bitwise_invert");
  expect_op_error([&] { floor_divide(z, f); }, "floor_divide");
  expect_op_error([&] { remainder(f, z); }, "remainder");
  expect_op_error([&] { divmod(z, z); }, "divmod");
  expect_op_error([&] { arctan2(z, f); }, "arctan2");
  expect_op_error([&] { bitwise_and(f, array(1)); }, "bitwise_and");
  expect_op_error([&] { bitwise_or(array(1), f); }, "bitwise_or");
  expect_op_error([&] { bitwise_xor(z, z); }, "bitwise_xor");
  expect_op_error([&] { left_shift(f, array(1)); }, "left_shift");
  expect_op_error([&] { right_shift(array(1), f); }, "right_shift");
  expect_op_error([&] { nan_to_num(z); }, "nan_to_num");
  expect_op_error([&] { clip(f); }, "clip");
  // Shapes that do not broadcast: every binary op names itself.
  auto a = zeros({2, 3}), b = zeros({4});
  expect_op_error([&] { add(a, b); }, "add");
  expect_op_error([&] { subtract(a, b); }, "subtract");
  expect_op_error([&] { multiply(a, b); }, "multiply");
  expect_op_error([&] { divide(a, b); }, "divide");
  expect_op_error([&] { floor_divide(a, b); }, "floor_divide");
  expect_op_error([&] { remainder(a, b); }, "remainder");
  expect_op_error([&] { divmod(a, b); }, "divmod");
  expect_op_error([&] { maximum(a, b); }, "maximum");
  expect_op_error([&] { minimum(a, b); }, "minimum");
  expect_op_error([&] { power(a, b); }, "power");
  expect_op_error([&] { arctan2(a, b); }, "arctan2");
  expect_op_error([&] { logaddexp(a, b); }, "logaddexp");
  expect_op_error([&] { equal(a, b); }, "equal");
  expect_op_error([&] { not_equal(a, b); }, "not_equal");
  expect_op_error([&] { less(a, b); }, "less");
  expect_op_error([&] { less_equal(a, b); }, "less_equal");
  expect_op_error([&] { greater(a, b); }, "greater");
  expect_op_error([&] { greater_equal(a, b); }, "greater_equal");
  expect_op_error([&] { logical_and(a, b); }, "logical_and");
  expect_op_error([&] { logical_or(a, b); }, "logical_or");
  auto i = zeros({2, 3}, int32), j = zeros({4}, int32);
  expect_op_error([&] { bitwise_and(i, j); }, "bitwise_and");
  expect_op_error([&] { bitwise_or(i, j); }, "bitwise_or");
  expect_op_error([&] { bitwise_xor(i, j); }, "bitwise_xor");
  expect_op_error([&] { left_shift(i, j); }, "left_shift");
  expect_op_error([&] { right_shift(i, j); }, "right_shift");
  expect_op_error([&] { where(zeros({2, 3}, bool_), a, b); }, "where");
  // array_equal of different shapes is false, not an error.
  EXPECT_FALSE(array_equal(a, b).item<bool>());
}

TEST(ElementwiseErrors, KernelsRejectDtypesTheOpsNeverPass) {
  // The ops validate first; a primitive built directly with a dtype its kernel lacks throws at
  // evaluation instead of computing garbage.
  auto s = default_stream(Device::cpu);
  auto z = array(complex64_t(1, 2));
  auto f = array({1.5f, 2.5f});
  auto check = [](array out, const std::string& name) {
    try {
      eval(out);
      ADD_FAILURE() << name << " evaluated";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind("[" + name + "]", 0), 0u) << e.what();
    }
  };
  check(array(z.shape(), complex64, std::make_shared<Unary>(s, UnaryOp::Erf), {z}), "Erf");
  check(array(f.shape(), float32, std::make_shared<Unary>(s, UnaryOp::Conjugate), {f}),
        "Conjugate");
  check(array(f.shape(), float32, std::make_shared<Unary>(s, UnaryOp::BitwiseInvert), {f}),
        "BitwiseInvert");
  check(array(f.shape(), float32, std::make_shared<Binary>(s, BinaryOp::LeftShift), {f, f}),
        "LeftShift");
  check(array(z.shape(), complex64, std::make_shared<Binary>(s, BinaryOp::Remainder), {z, z}),
        "Remainder");
  auto qr = array::make_arrays({z.shape(), z.shape()}, {complex64, complex64},
                               std::make_shared<DivMod>(s), {z, z});
  check(qr[0], "divmod");
}
