// Integer and bool binary ops against exact references: wrapping arithmetic, floor division and
// remainder (division by zero gives 0), integer powers, bitwise ops and shifts (oversized and
// negative counts defined as numpy's). None of these may trap.
#include <climits>

#include "elementwise_helpers.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

using i128 = __int128;

template <typename T>
T narrow(i128 v) {
  return static_cast<T>(static_cast<uint64_t>(v)); // modular, like the kernels
}

template <typename T>
T floor_div_ref(T x, T y) {
  if (y == 0) {
    return 0;
  }
  i128 q = i128(x) / i128(y);
  if (i128(x) % i128(y) != 0 && ((x < 0) != (y < 0))) {
    --q;
  }
  return narrow<T>(q);
}

template <typename T>
T remainder_ref(T x, T y) {
  if (y == 0) {
    return 0;
  }
  i128 q = i128(x) / i128(y);
  if (i128(x) % i128(y) != 0 && ((x < 0) != (y < 0))) {
    --q;
  }
  return narrow<T>(i128(x) - q * i128(y));
}

template <typename T>
T power_ref(T base, T exp) {
  if (exp < 0) {
    return base == 1 ? 1 : (base == static_cast<T>(-1) ? ((exp % 2) ? base : 1) : 0);
  }
  uint64_t r = 1;
  for (T k = 0; k < exp; ++k) {
    r *= static_cast<uint64_t>(base);
  }
  return narrow<T>(r);
}

template <typename T>
T shift_left_ref(T x, T n) {
  if (n < 0 || n >= static_cast<T>(sizeof(T) * 8)) {
    return 0;
  }
  return narrow<T>(i128(static_cast<uint64_t>(x)) << n);
}

template <typename T>
T shift_right_ref(T x, T n) {
  if (n < 0 || n >= static_cast<T>(sizeof(T) * 8)) {
    return x < 0 ? static_cast<T>(-1) : 0;
  }
  return narrow<T>(i128(x) >> n); // arithmetic for signed, logical for unsigned
}

template <typename T, typename Ref>
void expect_elementwise(const array& out, const array& a, const array& b, Ref ref,
                        const std::string& what) {
  auto shape = broadcast_shapes(a.shape(), b.shape());
  auto va = read_as<T>(broadcast_to(a, shape));
  auto vb = read_as<T>(broadcast_to(b, shape));
  auto got = read_as<T>(out);
  ASSERT_EQ(got.size(), va.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    T want = ref(va[i], vb[i]);
    if (got[i] != want) {
      ADD_FAILURE() << what << ": " << +va[i] << ", " << +vb[i] << " gave " << +got[i]
                    << ", expected " << +want;
      return;
    }
  }
}

} // namespace

TEST(IntegerOps, ExactForEveryIntegerDtype) {
  uint32_t seed = 1;
  for (auto t : all_dtypes()) {
    if (!issubdtype(t, integer)) {
      continue;
    }
    dispatch_int_types(t, "", [&](auto tag) {
      using T = tag_type_t<decltype(tag)>;
      constexpr int bits = sizeof(T) * 8;
      auto a = random_bits({23, 37}, t, seed++);
      auto b = random_bits({23, 37}, t, seed++);
      auto row = random_bits({1, 37}, t, seed++);
      auto small = random_array({23, 37}, t, -3, 3, seed++); // zeros and -1 included
      auto exps = random_array({23, 37}, t, -3, 70, seed++);
      auto counts = random_array({23, 37}, t, -2, bits + 3, seed++);
      auto n = name(t);
      auto add_ref = [](T x, T y) { return narrow<T>(i128(x) + i128(y)); };
      expect_elementwise<T>(a + b, a, b, add_ref, n + " +");
      expect_elementwise<T>(a + row, a, row, add_ref, n + " + row");
      expect_elementwise<T>(transpose(a) + transpose(b), transpose(a), transpose(b), add_ref,
                            n + " + transposed");
      expect_elementwise<T>(
          a - b, a, b, [](T x, T y) { return narrow<T>(i128(x) - i128(y)); }, n + " -");
      expect_elementwise<T>(
          a * b, a, b,
          [](T x, T y) { return narrow<T>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)); },
          n + " *");
      for (const auto& [divisor, label] : {std::pair{b, "random"}, std::pair{small, "small"}}) {
        expect_elementwise<T>(floor_divide(a, divisor), a, divisor, floor_div_ref<T>,
                              n + " // " + label);
        expect_elementwise<T>(a % divisor, a, divisor, remainder_ref<T>, n + " % " + label);
        auto qr = divmod(a, divisor);
        expect_elementwise<T>(qr[0], a, divisor, floor_div_ref<T>, n + " divmod q " + label);
        expect_elementwise<T>(qr[1], a, divisor, remainder_ref<T>, n + " divmod r " + label);
      }
      expect_elementwise<T>(power(a, exps), a, exps, power_ref<T>, n + " power");
      expect_elementwise<T>(power(small, exps), small, exps, power_ref<T>, n + " power small");
      expect_elementwise<T>(
          a & b, a, b, [](T x, T y) { return T(x & y); }, n + " &");
      expect_elementwise<T>(
          a | b, a, b, [](T x, T y) { return T(x | y); }, n + " |");
      expect_elementwise<T>(
          a ^ row, a, row, [](T x, T y) { return T(x ^ y); }, n + " ^");
      expect_elementwise<T>(a << counts, a, counts, shift_left_ref<T>, n + " <<");
      expect_elementwise<T>(a >> counts, a, counts, shift_right_ref<T>, n + " >>");
      expect_elementwise<T>(
          maximum(a, b), a, b, [](T x, T y) { return std::max(x, y); }, n + " maximum");
      expect_elementwise<T>(
          minimum(a, row), a, row, [](T x, T y) { return std::min(x, y); }, n + " minimum");
    });
  }
}

TEST(IntegerOps, CornerCasesDoNotTrap) {
  auto x = array({7, -7, 7, -7, INT_MIN, INT_MIN, 5, 0, INT_MIN}, int32);
  auto y = array({2, 2, -2, -2, -1, 1, 0, 0, 0}, int32);
  EXPECT_EQ(read_as<int32_t>(floor_divide(x, y)),
            (std::vector<int32_t>{3, -4, -4, 3, INT_MIN, INT_MIN, 0, 0, 0}));
  EXPECT_EQ(read_as<int32_t>(remainder(x, y)), (std::vector<int32_t>{1, 1, -1, -1, 0, 0, 0, 0, 0}));
  auto l = array({INT64_MIN, int64_t{9}}, int64);
  auto m = array({int64_t{-1}, int64_t{0}}, int64);
  EXPECT_EQ(read_as<int64_t>(floor_divide(l, m)), (std::vector<int64_t>{INT64_MIN, 0}));
  EXPECT_EQ(read_as<int64_t>(l % m), (std::vector<int64_t>{0, 0}));
  auto u = array({uint8_t{200}, uint8_t{7}}, uint8);
  auto z = array({uint8_t{0}, uint8_t{2}}, uint8);
  EXPECT_EQ(read_as<uint8_t>(floor_divide(u, z)), (std::vector<uint8_t>{0, 3}));
  EXPECT_EQ(read_as<uint8_t>(u % z), (std::vector<uint8_t>{0, 1}));
  // Shifts by the width or more, or by a negative count.
  auto one = array({int8_t{1}, int8_t{1}, int8_t{1}, int8_t{-1}, int8_t{64}, int8_t{-128}}, int8);
  auto by = array({int8_t{7}, int8_t{8}, int8_t{100}, int8_t{10}, int8_t{-1}, int8_t{7}}, int8);
  EXPECT_EQ(read_as<int8_t>(one << by), (std::vector<int8_t>{-128, 0, 0, 0, 0, 0}));
  EXPECT_EQ(read_as<int8_t>(one >> by), (std::vector<int8_t>{0, 0, 0, -1, 0, -1}));
  auto big = array({int64_t{1}, int64_t{1}}, int64);
  auto far = array({int64_t{63}, int64_t{64}}, int64);
  EXPECT_EQ(read_as<int64_t>(big << far), (std::vector<int64_t>{INT64_MIN, 0}));
  // Powers wrap; negative exponents give the truncated reciprocal.
  auto base = array({2, 3, 1, -1, -1, 0, 2}, int32);
  auto exp = array({31, -1, -5, -3, -2, 0, 40}, int32);
  EXPECT_EQ(read_as<int32_t>(power(base, exp)), (std::vector<int32_t>{INT_MIN, 0, 1, -1, 1, 1, 0}));
  EXPECT_EQ(read_as<uint8_t>(power(array({uint8_t{2}}, uint8), array({uint8_t{8}}, uint8))),
            std::vector<uint8_t>{0});
}

TEST(IntegerOps, BoolArithmeticAndBitwise) {
  auto a = array({true, true, false, false});
  auto b = array({true, false, true, false});
  EXPECT_EQ((a + b).dtype(), bool_);
  EXPECT_EQ(read_as<bool>(a + b), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(read_as<bool>(a - b), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(read_as<bool>(a * b), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(read_as<bool>(power(a, b)), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(read_as<bool>(floor_divide(a, b)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(read_as<bool>(a % b), (std::vector<bool>{false, false, false, false}));
  EXPECT_EQ(read_as<bool>(maximum(a, b)), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(read_as<bool>(minimum(a, b)), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(read_as<bool>(a & b), (std::vector<bool>{true, false, false, false}));
  EXPECT_EQ(read_as<bool>(a | b), (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(read_as<bool>(a ^ b), (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(read_as<uint8_t>(a << b), (std::vector<uint8_t>{2, 1, 0, 0}));
  EXPECT_EQ(read_as<uint8_t>(a >> b), (std::vector<uint8_t>{0, 1, 0, 0}));
  EXPECT_EQ(read_as<float>(a / b)[1], INFINITY);
}

TEST(IntegerOps, FloatDivmodFollowsNumpy) {
  // floor_divide is floor(a / b) as MLX (1 // 0.1 is 10); divmod's quotient is numpy's, which
  // agrees with its remainder (9 and 0.0999...).
  auto a = float64_array({1.0, -7.0, 7.0, 7.0, -0.0});
  auto b = float64_array({0.1, 2.0, -INFINITY, 0.0, 3.0});
  auto qr = divmod(a, b);
  auto q = read_real(qr[0]);
  auto r = read_real(qr[1]);
  EXPECT_EQ(q[0], 9.0);
  EXPECT_NEAR(r[0], 0.09999999999999995, 1e-17);
  EXPECT_EQ(q[1], -4.0);
  EXPECT_EQ(r[1], 1.0);
  EXPECT_EQ(q[2], -1.0);
  EXPECT_EQ(r[2], -INFINITY);
  EXPECT_EQ(q[3], INFINITY);
  EXPECT_TRUE(std::isnan(r[3]));
  EXPECT_EQ(q[4], 0.0);
  EXPECT_TRUE(std::signbit(q[4]));
  EXPECT_EQ(read_real(floor_divide(a, b))[0], 10.0);
  for (auto t : {float16, bfloat16, float32}) {
    auto x = astype(array({-7.5f, 9.0f, 5.25f}), t);
    auto y = astype(array({2.0f, -4.0f, 0.5f}), t);
    auto qq = divmod(x, y);
    EXPECT_EQ(read_real(qq[0]), (std::vector<double>{-4, -3, 10})) << name(t);
    EXPECT_EQ(read_real(qq[1]), (std::vector<double>{0.5, -3, 0.25})) << name(t);
    EXPECT_EQ(qq[0].dtype(), t);
  }
}
