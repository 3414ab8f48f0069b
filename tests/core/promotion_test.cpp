// Type promotion: the full promote_types table derived from JAX's lattice (as MLX applies it),
// result_type, C++ scalars, and the result dtype of every element-wise op.
#include <map>
#include <set>

#include "elementwise_helpers.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// JAX's promotion lattice (https://jax.readthedocs.io/en/latest/type_promotion.html) without
// Python scalars, as MLX uses it: an edge a -> b means b can represent every value of a. "f*" is
// JAX's weak float: uint64 and the signed types only meet there, and MLX gives it float32.
// Promotion is the least upper bound (the lowest type both reach).
const std::map<std::string, std::vector<std::string>> lattice = {
    {"bool", {"uint8", "int8"}},
    {"uint8", {"uint16", "int16"}},
    {"uint16", {"uint32", "int32"}},
    {"uint32", {"uint64", "int64"}},
    {"uint64", {"f*"}},
    {"int8", {"int16"}},
    {"int16", {"int32"}},
    {"int32", {"int64"}},
    {"int64", {"f*"}},
    {"f*", {"float16", "bfloat16"}},
    {"float16", {"float32"}},
    {"bfloat16", {"float32"}},
    {"float32", {"float64"}},
    {"float64", {"complex64"}},
    {"complex64", {}},
};

std::set<std::string> upper_set(const std::string& t) {
  std::set<std::string> seen{t};
  std::vector<std::string> todo{t};
  while (!todo.empty()) {
    auto cur = todo.back();
    todo.pop_back();
    for (const auto& next : lattice.at(cur)) {
      if (seen.insert(next).second) {
        todo.push_back(next);
      }
    }
  }
  return seen;
}

std::string lattice_join(const std::string& a, const std::string& b) {
  auto ua = upper_set(a);
  auto ub = upper_set(b);
  std::set<std::string> common;
  for (const auto& t : ua) {
    if (ub.count(t)) {
      common.insert(t);
    }
  }
  // The least element: the common upper bound that every other one is above.
  for (const auto& t : common) {
    auto ut = upper_set(t);
    bool least = true;
    for (const auto& other : common) {
      least = least && ut.count(other);
    }
    if (least) {
      return t == "f*" ? "float32" : t;
    }
  }
  ADD_FAILURE() << "no least upper bound for " << a << " and " << b;
  return "";
}

} // namespace

TEST(Promotion, FullTableMatchesTheJaxLattice) {
  int checked = 0;
  for (auto a : all_dtypes()) {
    for (auto b : all_dtypes()) {
      auto expected = lattice_join(name(a), name(b));
      EXPECT_EQ(name(promote_types(a, b)), expected) << name(a) << " with " << name(b);
      EXPECT_EQ(promote_types(a, b), promote_types(b, a));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 196);
}

TEST(Promotion, KnownEntries) {
  // Spot checks written out by hand, independent of the lattice code above.
  EXPECT_EQ(promote_types(uint8, int8), int16);
  EXPECT_EQ(promote_types(uint32, int32), int64);
  EXPECT_EQ(promote_types(uint64, int8), float32);
  EXPECT_EQ(promote_types(uint64, int64), float32);
  EXPECT_EQ(promote_types(int64, float16), float16);
  EXPECT_EQ(promote_types(float16, bfloat16), float32);
  EXPECT_EQ(promote_types(bfloat16, float64), float64);
  EXPECT_EQ(promote_types(float64, complex64), complex64);
  EXPECT_EQ(promote_types(bool_, bool_), bool_);
  EXPECT_EQ(promote_types(bool_, bfloat16), bfloat16);
}

TEST(Promotion, ResultType) {
  EXPECT_EQ(result_type({array(1, int8), array(1, uint8), array(1, int16)}), int16);
  EXPECT_EQ(result_type({array(1, uint64), array(1, int8)}), float32);
  EXPECT_EQ(result_type({array(1, float16), array(1, bfloat16)}), float32);
  EXPECT_EQ(result_type(array(1, bool_), array(1, complex64)), complex64);
  EXPECT_EQ(result_type(array(1, int32), array(1, uint32), array(1, float16)), float16);
}

TEST(Promotion, CppScalarsKeepTheirType) {
  // array(1.0f) and array(1.0) are float32, array(1) int32: scalars are not "weak" in C++.
  auto bf = array({1.5f, 2.0f}, bfloat16);
  EXPECT_EQ((bf * 2.0f).dtype(), float32);
  EXPECT_EQ((2.0f * bf).dtype(), float32);
  EXPECT_EQ((bf + 1.0).dtype(), float32);
  EXPECT_EQ((bf * array(2.0f, bfloat16)).dtype(), bfloat16);
  auto i8 = array({1, 2}, int8);
  EXPECT_EQ((i8 + 1).dtype(), int32);
  EXPECT_EQ((i8 - int8_t{1}).dtype(), int8);
  EXPECT_EQ((i8 * 1.5f).dtype(), float32);
  EXPECT_EQ((i8 / 2.0).dtype(), float32);
  EXPECT_EQ((true + array({1, 2}, uint16)).dtype(), uint16);
  EXPECT_EQ((i8 < 1.0f).dtype(), bool_);
  EXPECT_EQ((i8 % 3).dtype(), int32);
  auto h = array({1.0f, 2.0f}, float16);
  EXPECT_EQ((h / 4.0).dtype(), float32);
  EXPECT_EQ(divide(h, array(4.0f, float16)).dtype(), float16);
  auto r = (bf * 2.0f);
  EXPECT_EQ(read_real(r), (std::vector<double>{3.0, 4.0}));
}

namespace {

struct OpCase {
  const char* name;
  std::function<array(const array&, const array&)> op;
  // The result dtype from the promoted input dtype.
  std::function<Dtype(Dtype)> result;
};

Dtype same(Dtype t) {
  return t;
}
Dtype boolean(Dtype) {
  return bool_;
}
Dtype floating_point(Dtype t) {
  return issubdtype(t, inexact) ? t : float32;
}

} // namespace

TEST(Promotion, BinaryOpResultDtypes) {
  std::vector<OpCase> cases = {
      {"add", [](auto& a, auto& b) { return add(a, b); }, same},
      {"subtract", [](auto& a, auto& b) { return subtract(a, b); }, same},
      {"multiply", [](auto& a, auto& b) { return multiply(a, b); }, same},
      {"divide", [](auto& a, auto& b) { return divide(a, b); }, floating_point},
      {"maximum", [](auto& a, auto& b) { return maximum(a, b); }, same},
      {"minimum", [](auto& a, auto& b) { return minimum(a, b); }, same},
      {"power", [](auto& a, auto& b) { return power(a, b); }, same},
      {"logaddexp", [](auto& a, auto& b) { return logaddexp(a, b); }, floating_point},
      {"equal", [](auto& a, auto& b) { return equal(a, b); }, boolean},
      {"not_equal", [](auto& a, auto& b) { return not_equal(a, b); }, boolean},
      {"less", [](auto& a, auto& b) { return less(a, b); }, boolean},
      {"less_equal", [](auto& a, auto& b) { return less_equal(a, b); }, boolean},
      {"greater", [](auto& a, auto& b) { return greater(a, b); }, boolean},
      {"greater_equal", [](auto& a, auto& b) { return greater_equal(a, b); }, boolean},
      {"logical_and", [](auto& a, auto& b) { return logical_and(a, b); }, boolean},
      {"logical_or", [](auto& a, auto& b) { return logical_or(a, b); }, boolean},
      {"isclose", [](auto& a, auto& b) { return isclose(a, b); }, boolean},
  };
  for (const auto& c : cases) {
    for (auto ta : all_dtypes()) {
      for (auto tb : all_dtypes()) {
        auto a = zeros({2, 1}, ta);
        auto b = ones({3}, tb);
        auto out = c.op(a, b);
        EXPECT_EQ(out.dtype(), c.result(promote_types(ta, tb)))
            << c.name << "(" << name(ta) << ", " << name(tb) << ")";
        EXPECT_EQ(out.shape(), (Shape{2, 3})) << c.name;
      }
    }
  }
}

TEST(Promotion, RealOnlyAndIntegerOnlyBinaryOpDtypes) {
  for (auto ta : all_dtypes()) {
    for (auto tb : all_dtypes()) {
      auto t = promote_types(ta, tb);
      auto a = zeros({2}, ta);
      auto b = ones({2}, tb);
      if (t == complex64) {
        EXPECT_THROW(floor_divide(a, b), std::invalid_argument);
        EXPECT_THROW(remainder(a, b), std::invalid_argument);
        EXPECT_THROW(arctan2(a, b), std::invalid_argument);
        EXPECT_THROW(divmod(a, b), std::invalid_argument);
      } else {
        EXPECT_EQ(floor_divide(a, b).dtype(), t);
        EXPECT_EQ(remainder(a, b).dtype(), t);
        EXPECT_EQ(arctan2(a, b).dtype(), floating_point(t));
        auto qr = divmod(a, b);
        EXPECT_EQ(qr.size(), 2u);
        EXPECT_EQ(qr[0].dtype(), t);
        EXPECT_EQ(qr[1].dtype(), t);
      }
      bool integral = issubdtype(t, integer) || t == bool_;
      if (integral) {
        EXPECT_EQ(bitwise_and(a, b).dtype(), t);
        EXPECT_EQ(bitwise_or(a, b).dtype(), t);
        EXPECT_EQ(bitwise_xor(a, b).dtype(), t);
        EXPECT_EQ(left_shift(a, b).dtype(), t == bool_ ? uint8 : t);
        EXPECT_EQ(right_shift(a, b).dtype(), t == bool_ ? uint8 : t);
      } else {
        EXPECT_THROW(bitwise_and(a, b), std::invalid_argument);
        EXPECT_THROW(bitwise_or(a, b), std::invalid_argument);
        EXPECT_THROW(bitwise_xor(a, b), std::invalid_argument);
        EXPECT_THROW(left_shift(a, b), std::invalid_argument);
        EXPECT_THROW(right_shift(a, b), std::invalid_argument);
      }
    }
  }
}

TEST(Promotion, UnaryOpResultDtypes) {
  using Unary = std::function<array(const array&)>;
  std::vector<std::pair<const char*, Unary>> to_float = {
      {"exp", [](auto& a) { return exp(a); }},
      {"expm1", [](auto& a) { return expm1(a); }},
      {"log", [](auto& a) { return log(a); }},
      {"log2", [](auto& a) { return log2(a); }},
      {"log10", [](auto& a) { return log10(a); }},
      {"log1p", [](auto& a) { return log1p(a); }},
      {"sin", [](auto& a) { return sin(a); }},
      {"cos", [](auto& a) { return cos(a); }},
      {"tan", [](auto& a) { return tan(a); }},
      {"arcsin", [](auto& a) { return arcsin(a); }},
      {"arccos", [](auto& a) { return arccos(a); }},
      {"arctan", [](auto& a) { return arctan(a); }},
      {"sinh", [](auto& a) { return sinh(a); }},
      {"cosh", [](auto& a) { return cosh(a); }},
      {"tanh", [](auto& a) { return tanh(a); }},
      {"arcsinh", [](auto& a) { return arcsinh(a); }},
      {"arccosh", [](auto& a) { return arccosh(a); }},
      {"arctanh", [](auto& a) { return arctanh(a); }},
      {"sqrt", [](auto& a) { return sqrt(a); }},
      {"rsqrt", [](auto& a) { return rsqrt(a); }},
      {"sigmoid", [](auto& a) { return sigmoid(a); }},
      {"degrees", [](auto& a) { return degrees(a); }},
      {"radians", [](auto& a) { return radians(a); }},
      {"reciprocal", [](auto& a) { return reciprocal(a); }},
  };
  std::vector<std::pair<const char*, Unary>> keep = {
      {"sign", [](auto& a) { return sign(a); }},
      {"square", [](auto& a) { return square(a); }},
      {"round", [](auto& a) { return round(a); }},
      {"round(1)", [](auto& a) { return round(a, 1); }},
      {"round(-1)", [](auto& a) { return round(a, -1); }},
      {"conjugate", [](auto& a) { return conjugate(a); }},
      {"stop_gradient", [](auto& a) { return stop_gradient(a); }},
      {"copy", [](auto& a) { return copy(a); }},
      {"contiguous", [](auto& a) { return contiguous(a); }},
  };
  for (auto t : all_dtypes()) {
    auto a = zeros({3}, t);
    for (const auto& [op_name, op] : to_float) {
      EXPECT_EQ(op(a).dtype(), floating_point(t)) << op_name << " of " << name(t);
    }
    for (const auto& [op_name, op] : keep) {
      EXPECT_EQ(op(a).dtype(), t) << op_name << " of " << name(t);
    }
    auto real_t = t == complex64 ? float32 : t;
    EXPECT_EQ(abs(a).dtype(), real_t) << name(t);
    EXPECT_EQ(real(a).dtype(), real_t) << name(t);
    EXPECT_EQ(imag(a).dtype(), real_t) << name(t);
    EXPECT_EQ(logical_not(a).dtype(), bool_);
    for (const auto& test : {isnan(a), isinf(a), isfinite(a), isposinf(a), isneginf(a)}) {
      EXPECT_EQ(test.dtype(), bool_);
      EXPECT_EQ(test.shape(), a.shape());
    }
    if (t != bool_) {
      EXPECT_EQ(negative(a).dtype(), t);
    }
    if (t != complex64) {
      EXPECT_EQ(floor(a).dtype(), t);
      EXPECT_EQ(ceil(a).dtype(), t);
      EXPECT_EQ(erf(a).dtype(), floating_point(t));
      EXPECT_EQ(erfinv(a).dtype(), floating_point(t));
    }
    if (!issubdtype(t, inexact)) {
      EXPECT_EQ(bitwise_invert(a).dtype(), t);
    }
  }
}

TEST(Promotion, WhereAndClip) {
  for (auto tx : all_dtypes()) {
    for (auto ty : all_dtypes()) {
      auto out = where(array({true, false}), zeros({2}, tx), ones({1}, ty));
      EXPECT_EQ(out.dtype(), promote_types(tx, ty));
    }
    // Any condition dtype is tested for non-zero.
    EXPECT_EQ(where(ones({2}, tx), array(1), array(2)).dtype(), int32);
  }
  EXPECT_EQ(clip(array({1, 5}, int8), array(2, int8), std::nullopt).dtype(), int8);
  EXPECT_EQ(clip(array({1, 5}, int8), std::nullopt, array(2.5f)).dtype(), float32);
}
