// Every differentiable op's vjp and jvp against central differences in float64 (grad_check.h).
#include "grad_check.h"

using namespace grad_check;

namespace {

struct UnaryCase {
  const char* name;
  std::function<array(const array&)> f;
  double lo;
  double hi;
};

TEST(AutodiffRules, UnaryOps) {
  std::vector<UnaryCase> cases = {
      {"abs", [](const array& x) { return abs(x); }, 0.1, 1},
      {"abs_neg", [](const array& x) { return abs(x); }, -1, -0.1},
      {"arccos", [](const array& x) { return arccos(x); }, -0.9, 0.9},
      {"arccosh", [](const array& x) { return arccosh(x); }, 1.2, 3},
      {"arcsin", [](const array& x) { return arcsin(x); }, -0.9, 0.9},
      {"arcsinh", [](const array& x) { return arcsinh(x); }, -2, 2},
      {"arctan", [](const array& x) { return arctan(x); }, -2, 2},
      {"arctanh", [](const array& x) { return arctanh(x); }, -0.9, 0.9},
      {"cos", [](const array& x) { return cos(x); }, -3, 3},
      {"cosh", [](const array& x) { return cosh(x); }, -2, 2},
      {"erf", [](const array& x) { return erf(x); }, -2, 2},
      {"erfinv", [](const array& x) { return erfinv(x); }, -0.9, 0.9},
      {"exp", [](const array& x) { return exp(x); }, -2, 2},
      {"expm1", [](const array& x) { return expm1(x); }, -2, 2},
      {"log", [](const array& x) { return log(x); }, 0.2, 3},
      {"log2", [](const array& x) { return log2(x); }, 0.2, 3},
      {"log10", [](const array& x) { return log10(x); }, 0.2, 3},
      {"log1p", [](const array& x) { return log1p(x); }, -0.5, 3},
      {"negative", [](const array& x) { return negative(x); }, -2, 2},
      {"reciprocal", [](const array& x) { return reciprocal(x); }, 0.5, 2},
      {"rsqrt", [](const array& x) { return rsqrt(x); }, 0.2, 3},
      {"sigmoid", [](const array& x) { return sigmoid(x); }, -3, 3},
      {"sin", [](const array& x) { return sin(x); }, -3, 3},
      {"sinh", [](const array& x) { return sinh(x); }, -2, 2},
      {"sqrt", [](const array& x) { return sqrt(x); }, 0.2, 3},
      {"square", [](const array& x) { return square(x); }, -2, 2},
      {"tan", [](const array& x) { return tan(x); }, -1.2, 1.2},
      {"tanh", [](const array& x) { return tanh(x); }, -2, 2},
      {"degrees", [](const array& x) { return degrees(x); }, -2, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    check1(c.f, random_array({3, 4}, c.lo, c.hi));
  }
}

TEST(AutodiffRules, PiecewiseConstantOpsHaveZeroGradient) {
  auto x = random_array({5}, -3, 3);
  for (auto f : std::vector<std::function<array(const array&)>>{
           [](const array& a) { return floor(a); }, [](const array& a) { return ceil(a); },
           [](const array& a) { return sign(a); }, [](const array& a) { return round(a, 0); }}) {
    auto g = grad([&](const array& a) { return sum(f(a)); })(x);
    EXPECT_TRUE(array_equal(g, zeros_like(x)).item<bool>());
  }
}

struct BinaryCase {
  const char* name;
  std::function<array(const array&, const array&)> f;
  double lo;
  double hi;
};

TEST(AutodiffRules, BinaryOpsWithBroadcasting) {
  std::vector<BinaryCase> cases = {
      {"add", [](const array& a, const array& b) { return add(a, b); }, -2, 2},
      {"subtract", [](const array& a, const array& b) { return subtract(a, b); }, -2, 2},
      {"multiply", [](const array& a, const array& b) { return multiply(a, b); }, -2, 2},
      {"divide", [](const array& a, const array& b) { return divide(a, b); }, 0.5, 2},
      {"maximum", [](const array& a, const array& b) { return maximum(a, b); }, -2, 2},
      {"minimum", [](const array& a, const array& b) { return minimum(a, b); }, -2, 2},
      {"power", [](const array& a, const array& b) { return power(a, b); }, 0.5, 2},
      {"logaddexp", [](const array& a, const array& b) { return logaddexp(a, b); }, -2, 2},
      {"arctan2", [](const array& a, const array& b) { return arctan2(a, b); }, 0.3, 2},
      {"remainder", [](const array& a, const array& b) { return remainder(a, b); }, 0.3, 2},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto f = [&](const std::vector<array>& in) { return std::vector<array>{c.f(in[0], in[1])}; };
    // Same shapes, and both sides broadcast ([3, 1] against [4]).
    check(f, {random_array({2, 3}, c.lo, c.hi), random_array({2, 3}, c.lo, c.hi)});
    check(f, {random_array({3, 1}, c.lo, c.hi), random_array({4}, c.lo, c.hi)});
  }
}

TEST(AutodiffRules, DivMod) {
  auto f = [](const std::vector<array>& in) { return divmod(in[0], in[1]); };
  check(f, {random_array({2, 3}, 0.3, 3), random_array({2, 3}, 0.3, 1)});
}

TEST(AutodiffRules, ComparisonsCarryNoGradient) {
  auto f = [](const std::vector<array>& in) {
    return sum(multiply(astype(greater(in[0], in[1]), float64), in[0]));
  };
  auto x = random_array({4});
  auto y = random_array({4});
  auto g = grad(f, std::vector<int>{0, 1})({x, y});
  EXPECT_TRUE(allclose(g[0], astype(greater(x, y), float64)).item<bool>());
  EXPECT_TRUE(array_equal(g[1], zeros_like(y)).item<bool>());
}

TEST(AutodiffRules, Reductions) {
  auto x = random_array({3, 4, 5}, 0.5, 1.5);
  check1([](const array& a) { return sum(a); }, x);
  check1([](const array& a) { return sum(a, {0, 2}, true); }, x);
  check1([](const array& a) { return mean(a, 1); }, x);
  check1([](const array& a) { return var(a, {0, 2}); }, x);
  check1([](const array& a) { return mlx::core::std(a, 2, false, 1); }, x);
  check1([](const array& a) { return prod(a, 1); }, x);
  check1([](const array& a) { return prod(a); }, random_array({6}, 0.5, 1.5));
  // Zeros need no division: the derivative at a zero is the product of the others.
  auto with_zero = array({2.0, 0.0, 3.0, 0.5, 0.0, 4.0}, {2, 3}, float64);
  check1([](const array& a) { return prod(a, 1); }, with_zero);
  auto g = grad([](const array& a) { return prod(a); })(array({2.0, 0.0, 3.0}, float64));
  EXPECT_TRUE(allclose(g, array({0.0, 6.0, 0.0}, float64)).item<bool>());
  check1([](const array& a) { return max(a, 2); }, x);
  check1([](const array& a) { return min(a, {0, 1}); }, x);
  check1([](const array& a) { return max(a); }, x);
  check1([](const array& a) { return logsumexp(a, 2); }, x);
  check1([](const array& a) { return logsumexp(a, {0, 2}, true); }, x);
  check1([](const array& a) { return logsumexp(a); }, x);
}

TEST(AutodiffRules, MaxSplitsTiesEvenly) {
  auto x = array({1.0, 3.0, 3.0, 2.0}, float64);
  auto g = grad([](const array& a) { return max(a); })(x);
  EXPECT_TRUE(allclose(g, array({0.0, 0.5, 0.5, 0.0}, float64)).item<bool>());
}

TEST(AutodiffRules, Softmax) {
  auto x = random_array({3, 5}, -2, 2);
  check1([](const array& a) { return softmax(a, -1); }, x);
  check1([](const array& a) { return softmax(a, 0); }, x);
  check1([](const array& a) { return softmax(a, std::vector<int>{0, 1}); }, x);
}

TEST(AutodiffRules, ShapeOps) {
  auto x = random_array({2, 3, 4});
  check1([](const array& a) { return reshape(a, {4, 6}); }, x);
  check1([](const array& a) { return flatten(a); }, x);
  check1([](const array& a) { return transpose(a, {2, 0, 1}); }, x);
  check1([](const array& a) { return swapaxes(a, 0, 2); }, x);
  check1([](const array& a) { return moveaxis(a, 0, 2); }, x);
  check1([](const array& a) { return broadcast_to(a, {5, 2, 3, 4}); }, x);
  check1([](const array& a) { return broadcast_to(a, {2, 3, 4, 3}); }, random_array({2, 3, 4, 1}));
  check1([](const array& a) { return expand_dims(a, {0, 3}); }, x);
  check1([](const array& a) { return squeeze(a, 1); }, random_array({2, 1, 4}));
  check1([](const array& a) { return slice(a, {0, 1, 0}, {2, 3, 4}, {1, 1, 2}); }, x);
  check1([](const array& a) { return slice(a, {1, 2, 3}, {-3, -4, -5}, {-1, -2, -1}); }, x);
  check1([](const array& a) { return contiguous(transpose(a)); }, x);
  check1([](const array& a) { return pad(a, {{1, 0}, {0, 2}, {1, 1}}); }, x);
  check1([](const array& a) { return split(a, 2, 2)[1]; }, x);
  check1([](const array& a) { return repeat(a, 2, 1); }, x);
  check1([](const array& a) { return tile(a, {2, 1, 1}); }, x);
  check1([](const array& a) { return copy(a); }, x);
  // Overlapping windows: each element is read several times.
  check1([](const array& a) { return as_strided(a, {3, 4}, {2, 1}, 1); }, random_array({10}));
  check1([](const array& a) { return einsum("iij->ij", {a}); }, random_array({3, 3, 2}));
  check1([](const array& a) { return sort(a, 1); }, x);
  check1([](const array& a) { return sort(a); }, x);
  check1([](const array& a) { return diagonal(a, 1, 2, 0); }, x);
  check1([](const array& a) { return diagonal(a, -1, 0, 1); }, x);
  check1([](const array& a) { return trace(a, 0, 1, 2); }, x);
}

TEST(AutodiffRules, JoinOps) {
  auto f = [](const std::vector<array>& in) {
    return std::vector<array>{concatenate({in[0], in[1], in[0]}, 1)};
  };
  check(f, {random_array({2, 3}), random_array({2, 5})});
  auto g = [](const std::vector<array>& in) { return std::vector<array>{stack(in, 1)}; };
  check(g, {random_array({2, 3}), random_array({2, 3})});
}

TEST(AutodiffRules, SelectAndAstype) {
  auto cond = array({true, false, true, false}, {2, 2});
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{where(cond, in[0], in[1])};
  };
  check(f, {random_array({2, 2}), random_array({2})});
  // float64 -> float32 -> float64 loses precision: central differences with a larger step.
  check1([](const array& a) { return astype(astype(a, float32), float64) * a; }, random_array({4}),
         1e-3, 1e-4);
}

TEST(AutodiffRules, Indexing) {
  auto x = random_array({5, 4});
  auto idx = array({3, 0, 3, 1}, int32);
  check1([&](const array& a) { return take(a, idx, 0); }, x);
  check1([&](const array& a) { return take(a, idx); }, x);
  auto along = array({0, 3, 1, 1, 2, 0, 0, 3}, {2, 4}, int32);
  check1([&](const array& a) { return take_along_axis(a, along, 0); }, x);
  check1(
      [&](const array& a) {
        return gather(a, {array({1, 4}, int32), array({0, 2}, int32)}, {0, 1}, {1, 2});
      },
      x);
  // scatter_add: both the array and the updates (repeated indices accumulate).
  auto sidx = array({1, 3, 1}, int32);
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{scatter_add(in[0], {sidx}, in[1], {0})};
  };
  check(f, {x, random_array({3, 1, 4})});
  auto put = [&](const std::vector<array>& in) {
    return std::vector<array>{put_along_axis(in[0], array({2, 0}, {2, 1}, int32), in[1], 1)};
  };
  check(put, {random_array({2, 4}), random_array({2, 1})});
  auto sadd = [&](const std::vector<array>& in) {
    return std::vector<array>{scatter_add_axis(in[0], array({2, 2}, {1, 2}, int32), in[1], 1)};
  };
  check(sadd, {random_array({3, 4}), random_array({3, 2})});
  auto assign = [&](const std::vector<array>& in) {
    return std::vector<array>{scatter(in[0], {array({0, 2}, int32)}, in[1], {0})};
  };
  check(assign, {x, random_array({2, 1, 4})});
  auto upd = [](const std::vector<array>& in) {
    return std::vector<array>{slice_update(in[0], in[1], {1, 0}, {3, 4}, {1, 2})};
  };
  check(upd, {x, random_array({2, 2})});
  // masked_scatter: rows of the source fill the masked rows in order; a longer source has an
  // unused tail.
  auto row_mask = array({false, true, true, false, true}, {5});
  auto ms = [&](const std::vector<array>& in) {
    return std::vector<array>{masked_scatter(in[0], row_mask, in[1])};
  };
  check(ms, {x, random_array({4, 4})});
}

TEST(AutodiffRules, Matmul) {
  auto mm = [](const std::vector<array>& in) { return std::vector<array>{matmul(in[0], in[1])}; };
  check(mm, {random_array({3, 4}), random_array({4, 2})});
  check(mm, {random_array({2, 3, 4}), random_array({4, 5})});
  check(mm, {random_array({2, 1, 3, 4}), random_array({3, 4, 2})});
  check(mm, {random_array({4}), random_array({4, 2})});
  check(mm, {random_array({3, 4}), random_array({4})});
  auto am = [](const std::vector<array>& in) {
    return std::vector<array>{addmm(in[0], in[1], in[2], 0.5f, 2.0f)};
  };
  check(am, {random_array({2}), random_array({3, 4}), random_array({4, 2})});
}

TEST(AutodiffRules, Cumsum) {
  auto x = random_array({3, 4});
  check1([](const array& a) { return cumsum(a, 1); }, x);
  check1([](const array& a) { return cumsum(a, 0, true); }, x);
  check1([](const array& a) { return cumsum(a, 1, false, false); }, x);
  check1([](const array& a) { return cumsum(a, 1, true, false); }, x);
  auto pos = random_array({3, 4}, 0.5, 1.5);
  check1([](const array& a) { return cumprod(a, 1); }, pos);
  check1([](const array& a) { return cumprod(a, 0, true, false); }, pos);
  check1([](const array& a) { return logcumsumexp(a, 1); }, x);
  check1([](const array& a) { return logcumsumexp(a, 0, true); }, x);
  check1([](const array& a) { return cummax(a, 1); }, x);
  check1([](const array& a) { return cummin(a, 0, true); }, x);
  check1([](const array& a) { return cummax(a, 1, true); }, x);
  EXPECT_THROW(grad([](const array& a) { return sum(cummax(a, 0, false, false)); })(x),
               std::invalid_argument);
}

TEST(AutodiffRules, Norms) {
  auto norm = [](const std::vector<array>& in) {
    return std::vector<array>{fast::rms_norm(in[0], in[1], 1e-5f)};
  };
  check(norm, {random_array({3, 8}), random_array({8}, 0.5, 1.5)});
  check1([](const array& a) { return fast::rms_norm(a, std::nullopt, 1e-5f); },
         random_array({2, 3, 4}));
  auto ln = [](const std::vector<array>& in) {
    return std::vector<array>{fast::layer_norm(in[0], in[1], in[2], 1e-5f)};
  };
  check(ln, {random_array({3, 8}), random_array({8}, 0.5, 1.5), random_array({8})});
  check1([](const array& a) { return fast::layer_norm(a, std::nullopt, std::nullopt, 1e-5f); },
         random_array({2, 6}));
}

// RoPE angles and attention scores are computed in float even for float64 inputs, so the
// central differences take a larger step.
constexpr double kEps = 1e-3;
constexpr double kTol = 2e-3;

TEST(AutodiffRules, Rope) {
  auto x = random_array({2, 3, 5, 8});
  for (bool traditional : {false, true}) {
    SCOPED_TRACE(traditional);
    check1([&](const array& a) { return fast::rope(a, 8, traditional, 10000.0f, 1.0f, 3); }, x,
           kEps, kTol);
    check1([&](const array& a) { return fast::rope(a, 4, traditional, 500.0f, 0.5f, 0); }, x, kEps,
           kTol);
  }
}

TEST(AutodiffRules, ScaledDotProductAttention) {
  auto q = random_array({1, 4, 3, 8});
  auto k = random_array({1, 2, 5, 8});
  auto v = random_array({1, 2, 5, 6});
  for (std::string mode : {"", "causal"}) {
    SCOPED_TRACE(mode);
    auto f = [&](const std::vector<array>& in) {
      return std::vector<array>{
          fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.35f, mode)};
    };
    check(f, {q, k, v}, kEps, kTol);
  }
  auto additive = random_array({1, 1, 3, 5});
  auto masked = [&](const std::vector<array>& in) {
    return std::vector<array>{
        fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.35f, "array", in[3])};
  };
  check(masked, {q, k, v, additive}, kEps, kTol);
  auto boolean = array(
      {true, false, true, true, true, true, false, true, true, false, true, true, true, true, true},
      {1, 1, 3, 5});
  auto bool_masked = [&](const std::vector<array>& in) {
    return std::vector<array>{
        fast::scaled_dot_product_attention(in[0], in[1], in[2], 0.35f, "array", boolean)};
  };
  check(bool_masked, {q, k, v}, kEps, kTol);
  auto sinks = [&](const std::vector<array>& in) {
    return std::vector<array>{fast::scaled_dot_product_attention(
        in[0], in[1], in[2], 0.35f, "", std::nullopt, array({0.5f, -1.0f, 0.0f, 2.0f}))};
  };
  check(sinks, {q, k, v}, kEps, kTol);
}

TEST(AutodiffRules, QuantizedMatmulInput) {
  // Linear in x, so float32 central differences are exact up to rounding.
  auto w = random_array({16, 64}, -1, 1, float32);
  auto q = quantize(w, 32, 4);
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{quantized_matmul(in[0], q[0], q[1], q[2], true, 32, 4)};
  };
  check(f, {random_array({3, 64}, -1, 1, float32)}, 1e-2, 1e-3);
  auto wt = quantize(random_array({64, 32}, -1, 1, float32), 32, 4);
  auto g = [&](const std::vector<array>& in) {
    return std::vector<array>{quantized_matmul(in[0], wt[0], wt[1], wt[2], false, 32, 4)};
  };
  check(g, {random_array({2, 3, 64}, -1, 1, float32)}, 1e-2, 1e-3);
}

TEST(AutodiffRules, DynamicSlices) {
  auto x = random_array({5, 4});
  auto start = array({2, 1}, int32);
  check1([&](const array& a) { return slice(a, start, {0, 1}, {2, 3}); }, x);
  auto upd = [&](const std::vector<array>& in) {
    return std::vector<array>{slice_update(in[0], in[1], array({1}, int32), {0})};
  };
  check(upd, {x, random_array({3, 4})});
}

TEST(AutodiffRules, GatherMatmul) {
  // Expert matrices chosen per entry, with repeats so that cotangents accumulate.
  auto lhs = array({0, 1, 1, 0}, {2, 2}, uint32);
  auto rhs = array({2, 0, 2, 1}, {2, 2}, uint32);
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{gather_mm(in[0], in[1], lhs, rhs)};
  };
  check(f, {random_array({2, 3, 4}), random_array({3, 4, 5})});
}

TEST(AutodiffRules, GatherQuantizedMatmulInput) {
  auto q = quantize(random_array({3, 16, 64}, -1, 1, float32), 32, 4);
  auto lhs = array({0, 1, 1, 0}, uint32);
  auto rhs = array({2, 0, 2, 1}, uint32);
  auto f = [&](const std::vector<array>& in) {
    return std::vector<array>{gather_qmm(in[0], q[0], q[1], q[2], lhs, rhs, true, 32, 4)};
  };
  check(f, {random_array({2, 3, 64}, -1, 1, float32)}, 1e-2, 1e-3);
}

TEST(AutodiffRules, Convolutions) {
  auto c1 = [](const std::vector<array>& in) {
    return std::vector<array>{conv1d(in[0], in[1], 2, 1, 2)};
  };
  check(c1, {random_array({2, 9, 3}), random_array({4, 3, 3})});
  auto c2 = [](const std::vector<array>& in) {
    return std::vector<array>{conv2d(in[0], in[1], {2, 1}, {1, 0}, {1, 1}, 2)};
  };
  check(c2, {random_array({1, 5, 4, 4}), random_array({6, 3, 2, 2})});
  auto t1 = [](const std::vector<array>& in) {
    return std::vector<array>{conv_transpose1d(in[0], in[1], 2, 1)};
  };
  check(t1, {random_array({2, 5, 3}), random_array({4, 3, 3})});
  auto general = [](const std::vector<array>& in) {
    return std::vector<array>{
        conv_general(in[0], in[1], {1, 2}, {2, 0}, {0, 1}, {2, 1}, {1, 2}, 1, true)};
  };
  check(general, {random_array({1, 4, 5, 2}), random_array({3, 2, 3, 2})});
}

} // namespace
