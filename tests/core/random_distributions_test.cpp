// mlx::core::random distributions: each against its MLX recipe applied to MLX's reference bits,
// sample statistics on 10^4-10^5 draws (fixed keys, so deterministic), dtypes, broadcasting and
// the error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mlx/mlx.h"

#include "random_helpers.h"

using namespace mlx::core;
using namespace random_test;

TEST(RandomUniform, IsBitsOverUint32Max) {
  auto key = random::key(0);
  auto x = random::uniform({}, key);
  EXPECT_EQ(x.dtype(), float32);
  EXPECT_EQ(x.item<float>(), to_float(1797259609u));
  EXPECT_EQ(random::uniform({}, random::key(1)).item<float>(), to_float(507451445u));

  auto y = values<float>(random::uniform({3, 1}, key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(y[i], to_float(kBits3Key0[i]));
  }
  // low + (high - low) * u, computed in float32.
  auto z = values<float>(random::uniform(array(-2.0f), array(3.0f), {3}, float32, key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(z[i], 5.0f * to_float(kBits3Key0[i]) + -2.0f);
  }
}

TEST(RandomUniform, HalfTypesClampBelowOne) {
  auto key = random::key(0);
  auto h = values<float16_t>(random::uniform({3}, float16, key));
  auto b = values<bfloat16_t>(random::uniform({3}, bfloat16, key));
  for (int i = 0; i < 3; ++i) {
    // 4146024105 / 2^32 = 0.965: below both clamps. Values round to nearest.
    EXPECT_EQ(static_cast<float>(h[i]),
              static_cast<float>(float16_t(std::min(to_float(kBits3Key0[i]), 0.99951171875f))));
    EXPECT_EQ(static_cast<float>(b[i]),
              static_cast<float>(bfloat16_t(std::min(to_float(kBits3Key0[i]), 0.99609375f))));
  }
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    auto u = random::uniform({20000}, t, random::key(5));
    EXPECT_EQ(u.dtype(), t);
    auto v = as_doubles(u);
    EXPECT_LT(*std::max_element(v.begin(), v.end()), 1.0) << t;
    EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0) << t;
  }
}

TEST(RandomUniform, Statistics) {
  auto v = as_doubles(
      random::uniform(array(-1.0f), array(5.0f), {100000}, float32, random::key(128291)));
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -1.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 5.0);
  auto m = moments(v);
  EXPECT_NEAR(m.mean, 2.0, 0.03);
  EXPECT_NEAR(m.var, 3.0, 0.05); // 6^2 / 12
  EXPECT_NEAR(fraction_below(v, 0.5), 0.25, 0.005);
}

TEST(RandomUniform, BroadcastsBoundsAndChecksShape) {
  auto x = random::uniform(zeros({3, 1}), ones({1, 3}), {3, 3});
  EXPECT_EQ(x.shape(), (Shape{3, 3}));
  auto lo = reshape(array({0.0f, 10.0f, 20.0f}), {3, 1});
  auto v =
      values<float>(random::uniform(lo, add(lo, array(1.0f)), {3, 4}, float32, random::key(2)));
  for (int i = 0; i < 12; ++i) {
    EXPECT_GE(v[i], 10.0f * (i / 4));
    EXPECT_LT(v[i], 10.0f * (i / 4) + 1);
  }
  EXPECT_THROW(random::uniform(zeros({3, 3}), array(1.0f), {1, 3}), std::invalid_argument);
  EXPECT_THROW(random::uniform(zeros({3, 3}), array(1.0f), {2, 3}), std::invalid_argument);
  EXPECT_THROW(random::uniform(zeros({3, 1}), ones({1, 3}), {1, 3}), std::invalid_argument);
  EXPECT_THROW(random::uniform({}, int32), std::invalid_argument);
  EXPECT_THROW(random::uniform({}, complex64), std::invalid_argument);
  EXPECT_THROW(random::uniform({}, array({0, 0})), std::invalid_argument);
  EXPECT_EQ(random::uniform({0}).size(), 0u);
}

TEST(RandomNormal, IsSqrt2ErfinvOfSymmetricUniform) {
  auto key = random::key(0);
  auto x = values<float>(random::normal({3, 1}, key));
  const float low = std::nextafter(-1.0f, 0.0f);
  for (int i = 0; i < 3; ++i) {
    float u = (1.0f - low) * to_float(kBits3Key0[i]) + low;
    double expected = std::sqrt(2.0) * erfinv_ref(u);
    EXPECT_NEAR(x[i], expected, 4e-6 * std::max(1.0, std::abs(expected))) << i;
  }
  // loc and scale: loc + scale * z with the same z.
  auto z = values<float>(random::normal({3, 1}, 1.5f, 2.0f, key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(z[i], 1.5f + 2.0f * x[i], 1e-5) << i;
  }
  auto w = values<float>(
      random::normal({3}, float32, array({0.0f, 1.0f, 2.0f}), array({1.0f, 10.0f, 100.0f}), key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(w[i], i + std::pow(10.0f, i) * x[i], 1e-4 * std::pow(10.0f, i)) << i;
  }
}

TEST(RandomNormal, StatisticsForEachFloatType) {
  for (Dtype t : {float32, float16, bfloat16, float64}) {
    auto x = random::normal({100000}, t, random::key(128291));
    EXPECT_EQ(x.dtype(), t);
    auto v = as_doubles(x);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); })) << t;
    auto m = moments(v);
    EXPECT_NEAR(m.mean, 0.0, 0.015) << t;
    EXPECT_NEAR(m.var, 1.0, 0.025) << t;
    EXPECT_NEAR(fraction_below(v, 1.0), 0.8413, 0.006) << t;
    EXPECT_NEAR(fraction_below(v, -2.0), 0.02275, 0.002) << t;
  }
  auto s = as_doubles(random::normal({100000}, 3.0f, 0.5f, random::key(9)));
  auto m = moments(s);
  EXPECT_NEAR(m.mean, 3.0, 0.01);
  EXPECT_NEAR(m.var, 0.25, 0.01);
}

TEST(RandomNormal, Complex64HasUnitPowerAndMlxLayout) {
  auto key = random::key(0);
  auto z = random::normal({3}, complex64, key);
  EXPECT_EQ(z.dtype(), complex64);
  EXPECT_EQ(z.shape(), Shape{3});
  // Real and imaginary parts are erfinv of consecutive uniforms on (-1, 1), without sqrt(2).
  auto u = values<float>(
      random::uniform(array(std::nextafter(-1.0f, 0.0f)), array(1.0f), {3, 2}, float32, key));
  auto zv = values<complex64_t>(z);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(zv[i].real(), erfinv_ref(u[2 * i]), 1e-5);
    EXPECT_NEAR(zv[i].imag(), erfinv_ref(u[2 * i + 1]), 1e-5);
  }
  auto big = values<complex64_t>(random::normal({50000}, complex64, random::key(4)));
  double power = 0;
  double re_sum = 0;
  for (auto c : big) {
    power += std::norm(std::complex<double>(c.real(), c.imag()));
    re_sum += c.real();
  }
  EXPECT_NEAR(power / big.size(), 1.0, 0.03);
  EXPECT_NEAR(re_sum / big.size(), 0.0, 0.01);
  auto shifted = values<complex64_t>(random::normal({3}, complex64, 1.0f, 2.0f, key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(shifted[i].real(), 1.0f + 2.0f * zv[i].real(), 1e-5);
    EXPECT_NEAR(shifted[i].imag(), 2.0f * zv[i].imag(), 1e-5);
  }
}

TEST(RandomNormal, Errors) {
  EXPECT_THROW(random::normal({}, int32), std::invalid_argument);
  EXPECT_THROW(random::normal({}, bool_), std::invalid_argument);
  EXPECT_THROW(random::normal({}, array({0, 0})), std::invalid_argument);
  EXPECT_THROW(random::normal({}, array({0u, 0u, 0u}, {3, 1})), std::invalid_argument);
}

TEST(RandomRandint, IsBitsModuloTheWidth) {
  auto key = random::key(0);
  auto x = random::randint(0, 10, {3, 1}, int32, key);
  EXPECT_EQ(x.dtype(), int32);
  EXPECT_EQ(x.shape(), (Shape{3, 1}));
  EXPECT_EQ(values<int32_t>(x), (std::vector<int32_t>{5, 2, 9}));
  EXPECT_EQ(values<int32_t>(random::randint(-7, 13, {3}, int32, key)),
            (std::vector<int32_t>{int32_t(4146024105u % 20) - 7, int32_t(1351547692u % 20) - 7,
                                  int32_t(2718843009u % 20) - 7}));
  // 64-bit outputs combine draws from the two halves of split(key).
  auto [k1, k2] = random::split(key);
  auto lo_bits = values<uint32_t>(random::bits({4}, k1));
  auto hi_bits = values<uint32_t>(random::bits({4}, k2));
  int64_t low = -(int64_t{1} << 40);
  uint64_t width = uint64_t{3} << 41;
  auto y =
      values<int64_t>(random::randint(array(low), array(low + int64_t(width)), {4}, int64, key));
  for (int i = 0; i < 4; ++i) {
    uint64_t raw = (uint64_t{hi_bits[i]} << 32) | lo_bits[i];
    EXPECT_EQ(y[i], low + static_cast<int64_t>(raw % width)) << i;
  }
}

TEST(RandomRandint, BoundsDtypesAndUniformity) {
  auto x = values<int32_t>(random::randint(-10, 20, {100000}, int32, random::key(3)));
  std::vector<int> counts(30, 0);
  for (auto v : x) {
    ASSERT_GE(v, -10);
    ASSERT_LT(v, 20);
    counts[v + 10]++;
  }
  for (int c : counts) {
    EXPECT_NEAR(c, 100000 / 30.0, 200);
  }
  for (Dtype t : {bool_, uint8, uint16, uint32, uint64, int8, int16, int32, int64}) {
    auto r = random::randint(0, 2, {2000}, t, random::key(1));
    EXPECT_EQ(r.dtype(), t);
    auto d = as_doubles(r);
    EXPECT_EQ(*std::min_element(d.begin(), d.end()), 0.0) << t;
    EXPECT_EQ(*std::max_element(d.begin(), d.end()), 1.0) << t;
  }
  // Beyond float32's 24-bit mantissa every integer stays reachable.
  auto big =
      values<int32_t>(random::randint(1 << 24, (1 << 24) + 2, {1000}, int32, random::key(42)));
  EXPECT_EQ(std::count(big.begin(), big.end(), 1 << 24) +
                std::count(big.begin(), big.end(), (1 << 24) + 1),
            1000);
  EXPECT_GT(std::count(big.begin(), big.end(), (1 << 24) + 1), 400);
  // The full int64 range does not collapse onto low.
  auto full = values<int64_t>(random::randint(array(std::numeric_limits<int64_t>::min()),
                                              array(std::numeric_limits<int64_t>::max()), {1000},
                                              int64, random::key(7)));
  std::sort(full.begin(), full.end());
  EXPECT_GT(std::unique(full.begin(), full.end()) - full.begin(), 990);
  // Empty intervals give low; bounds broadcast.
  auto empty = values<int32_t>(random::randint(20, -10, {3, 3}, int32));
  EXPECT_TRUE(std::all_of(empty.begin(), empty.end(), [](int v) { return v == 20; }));
  auto lo = reshape(array({0, 100, 200}), {3, 1});
  auto hi = reshape(array({10, 20, 30, 40}), {1, 4});
  auto b = values<int32_t>(random::randint(add(lo, array(0)), add(lo, hi), {3, 4}));
  for (int i = 0; i < 12; ++i) {
    EXPECT_GE(b[i], 100 * (i / 4));
    EXPECT_LT(b[i], 100 * (i / 4) + 10 * (i % 4 + 1));
  }
}

TEST(RandomRandint, Errors) {
  EXPECT_THROW(random::randint(array(3), array(5), {1}, float32), std::invalid_argument);
  EXPECT_THROW(random::randint(array(3), array(5), {1}, complex64), std::invalid_argument);
  EXPECT_THROW(random::randint(zeros({3}, int32), array(5), {2}), std::invalid_argument);
  EXPECT_THROW(random::randint(0, 5, {}, int32, array({0, 0}, {1, 2})), std::invalid_argument);
}

TEST(RandomBernoulli, ComparesBitsWithScaledP) {
  auto key = random::key(0);
  auto x = random::bernoulli(array(0.5f), {3, 1}, key);
  EXPECT_EQ(x.dtype(), bool_);
  EXPECT_EQ(x.shape(), (Shape{3, 1}));
  EXPECT_EQ(values<bool>(x), (std::vector<bool>{false, true, false}));
  EXPECT_EQ(random::bernoulli().dtype(), bool_);
  EXPECT_EQ(random::bernoulli().size(), 1u);
  EXPECT_EQ(values<bool>(random::bernoulli(array({2.0f, -2.0f, 1.0f, 0.0f}))),
            (std::vector<bool>{true, false, true, false}));
  auto p = reshape(array({0.1f, 0.5f, 0.9f}), {1, 3});
  auto draws = random::bernoulli(p, {40000, 3}, random::key(8));
  EXPECT_EQ(draws.shape(), (Shape{40000, 3}));
  auto freq = values<float>(mean(astype(draws, float32), 0));
  EXPECT_NEAR(freq[0], 0.1, 0.01);
  EXPECT_NEAR(freq[1], 0.5, 0.01);
  EXPECT_NEAR(freq[2], 0.9, 0.01);
  EXPECT_EQ(random::bernoulli(array(0.5, float16)).dtype(), bool_);
  EXPECT_EQ(random::bernoulli(array({}, float32)).size(), 0u);
}

TEST(RandomErrors, MessagesNameTheOp) {
  expect_op_error("bits", [] { random::bits({}, 7, random::key(1)); });
  expect_op_error("bits", [] { random::bits({}, array({0, 0})); });
  expect_op_error("uniform", [] { random::uniform(zeros({3, 3}), array(1.0f), {2, 3}); });
  expect_op_error("uniform", [] { random::uniform({}, int32); });
  expect_op_error("normal", [] { random::normal({}, int32); });
  expect_op_error("randint", [] { random::randint(zeros({3}, int32), array(5), {2}); });
  expect_op_error("bernoulli", [] { random::bernoulli(array({0.1f, 0.2f, 0.3f}), {2}); });
  expect_op_error("bernoulli", [] { random::bernoulli(array(1)); });
  expect_op_error("categorical", [] { random::categorical(zeros({10, 20}), 1, Shape{11}); });
  expect_op_error("categorical", [] { random::categorical(zeros({10, 20}), 2); });
  expect_op_error("laplace", [] { random::laplace({2}, int32); });
  expect_op_error("truncated_normal",
                  [] { random::truncated_normal(array(-1.0f), array(1.0f), {}, int32); });
  expect_op_error("permutation", [] { random::permutation(-1); });
  expect_op_error("split", [] { random::split(random::key(0), -2); });
}

TEST(RandomBernoulli, Errors) {
  EXPECT_THROW(random::bernoulli(array(1)), std::invalid_argument);
  EXPECT_THROW(random::bernoulli(array({0.1f, 0.2f, 0.3f}), {2}), std::invalid_argument);
  EXPECT_THROW(random::bernoulli(array({}, float32), {3, 3}), std::invalid_argument);
  EXPECT_THROW(random::bernoulli(array(0.5f), array({0, 0}, {1, 2})), std::invalid_argument);
}

TEST(RandomTruncatedNormal, StaysInBounds) {
  auto x = random::truncated_normal(array(-2.0f), array(2.0f));
  EXPECT_EQ(x.dtype(), float32);
  EXPECT_EQ(x.size(), 1u);
  EXPECT_EQ(random::truncated_normal(array(-2.0f), array(2.0f), {}, float16).dtype(), float16);
  EXPECT_EQ(random::truncated_normal(array(-2.0f), array(2.0f), {3, 4}).shape(), (Shape{3, 4}));
  EXPECT_EQ(random::truncated_normal(array({}, float32), array({}, float32)).size(), 0u);

  auto lower = reshape(array({-2.0f, -3.0f}), {1, 2});
  auto upper = reshape(array({0.0f, 3.0f, 1.5f}), {3, 1});
  auto b = random::truncated_normal(lower, upper);
  EXPECT_EQ(b.shape(), (Shape{3, 2}));
  EXPECT_TRUE(all(logical_and(less_equal(b, upper), less_equal(lower, b))).item<bool>());
  auto inverted = values<float>(random::truncated_normal(array(2.0f), array(-2.0f), {5}));
  EXPECT_TRUE(std::all_of(inverted.begin(), inverted.end(), [](float v) { return v == 2.0f; }));

  // Standard normal restricted to [0.5, 1.5]: mean phi(0.5)-phi(1.5) over Phi(1.5)-Phi(0.5).
  auto v = as_doubles(
      random::truncated_normal(array(0.5f), array(1.5f), {50000}, float32, random::key(6)));
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.5);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 1.5);
  auto phi = [](double t) { return std::exp(-t * t / 2) / std::sqrt(2 * M_PI); };
  auto cdf = [](double t) { return 0.5 * std::erfc(-t / std::sqrt(2.0)); };
  EXPECT_NEAR(moments(v).mean, (phi(0.5) - phi(1.5)) / (cdf(1.5) - cdf(0.5)), 0.005);
}

TEST(RandomTruncatedNormal, Errors) {
  EXPECT_THROW(random::truncated_normal(array(-1.0f), array(1.0f), {}, int32),
               std::invalid_argument);
  auto lower = reshape(array({-2.0f, -3.0f}), {1, 2});
  auto upper = reshape(array({0.0f, 3.0f, 1.5f}), {3, 1});
  EXPECT_THROW(random::truncated_normal(lower, upper, {4, 2}), std::invalid_argument);
  EXPECT_THROW(
      random::truncated_normal(array(-2.0f), array(2.0f), {1, 1}, float32, array({0, 0}, {1, 2})),
      std::invalid_argument);
}

TEST(RandomGumbel, IsMinusLogMinusLogUniform) {
  auto key = random::key(0);
  auto g = random::gumbel({3}, float32, key);
  EXPECT_EQ(g.dtype(), float32);
  auto gv = values<float>(g);
  for (int i = 0; i < 3; ++i) {
    double u = to_float(kBits3Key0[i]);
    EXPECT_NEAR(gv[i], -std::log(-std::log(u)), 1e-5) << i;
  }
  auto v = as_doubles(random::gumbel({100000}, float32, random::key(12)));
  auto m = moments(v);
  EXPECT_NEAR(m.mean, 0.5772156649, 0.02);
  EXPECT_NEAR(m.var, M_PI * M_PI / 6, 0.05);
  EXPECT_EQ(random::gumbel({2}, bfloat16).dtype(), bfloat16);
  EXPECT_THROW(random::gumbel({2}, int32), std::invalid_argument);
}

TEST(RandomLaplace, IsSignTimesLog1pOfSymmetricUniform) {
  auto key = random::key(0);
  auto x = values<float>(random::laplace({3}, key));
  const float low = std::nextafter(-1.0f, 0.0f);
  for (int i = 0; i < 3; ++i) {
    double u = (1.0f - low) * to_float(kBits3Key0[i]) + low;
    double expected = (u > 0 ? 1 : -1) * std::log1p(-std::abs(u));
    EXPECT_NEAR(x[i], expected, 1e-5 * std::max(1.0, std::abs(expected))) << i;
  }
  auto shifted = values<float>(random::laplace({3}, 1.0f, 2.0f, key));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(shifted[i], 1.0f + 2.0f * x[i], 1e-5);
  }
  for (Dtype t : {float32, float16, bfloat16}) {
    auto s = random::laplace({100000}, t, random::key(21));
    EXPECT_EQ(s.dtype(), t);
    auto v = as_doubles(s);
    EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); }));
    auto m = moments(v);
    EXPECT_NEAR(m.mean, 0.0, 0.02) << t;
    EXPECT_NEAR(m.var, 2.0, 0.06) << t;
  }
  EXPECT_THROW(random::laplace({2}, int32), std::invalid_argument);
}

TEST(RandomCategorical, ShapesAndAxes) {
  auto logits = zeros({10, 20});
  EXPECT_EQ(random::categorical(logits, -1).shape(), Shape{10});
  EXPECT_EQ(random::categorical(logits, 0).shape(), Shape{20});
  EXPECT_EQ(random::categorical(logits, 1).shape(), Shape{10});
  auto out = random::categorical(logits);
  EXPECT_EQ(out.dtype(), uint32);
  EXPECT_LT(max(out).item<uint32_t>(), 20u);
  out = random::categorical(logits, 0, Shape{5, 20});
  EXPECT_EQ(out.shape(), (Shape{5, 20}));
  EXPECT_LT(max(out).item<uint32_t>(), 10u);

  auto cube = zeros({5, 4, 3});
  EXPECT_EQ(random::categorical(cube, -1, 7).shape(), (Shape{5, 4, 7}));
  EXPECT_EQ(random::categorical(cube, -2, 7).shape(), (Shape{5, 3, 7}));
  EXPECT_EQ(random::categorical(cube, -3, 7).shape(), (Shape{4, 3, 7}));
}

TEST(RandomCategorical, InfiniteLogitsAndFrequencies) {
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(random::categorical(array({1.0f, -2.0f, inf, 4.0f, 3.0f})).item<uint32_t>(), 2u);
  EXPECT_EQ(random::categorical(array({-inf, -2.0f, -inf, -inf})).item<uint32_t>(), 1u);

  std::vector<float> probs = {0.1f, 0.2f, 0.3f, 0.4f};
  std::vector<float> logp;
  for (float p : probs) {
    logp.push_back(std::log(p));
  }
  auto logits = array(logp.data(), {4}, float32);
  auto samples = values<uint32_t>(random::categorical(logits, 0, 40000, random::key(17)));
  ASSERT_EQ(samples.size(), 40000u);
  std::vector<double> counts(4, 0);
  for (auto s : samples) {
    ASSERT_LT(s, 4u);
    counts[s]++;
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_NEAR(counts[i] / 40000, probs[i], 0.012) << i;
  }
  // Along axis 0 of a 2-D array: each column is its own distribution.
  auto cols = array({0.0f, -inf, -inf, 0.0f}, {2, 2});
  EXPECT_EQ(values<uint32_t>(random::categorical(cols, 0)), (std::vector<uint32_t>{0, 1}));
}

TEST(RandomCategorical, Errors) {
  auto logits = zeros({10, 20});
  EXPECT_THROW(random::categorical(logits, 2), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, -3), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, 1, Shape{1}), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, 1, Shape{11}), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, 1, Shape{10, 1}), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, 5, 3), std::invalid_argument);
  EXPECT_THROW(random::categorical(logits, 1, -1), std::invalid_argument);
}

TEST(RandomPermutation, IsArgsortOfBits) {
  auto key = random::key(0);
  auto p = random::permutation(3, key);
  EXPECT_EQ(p.dtype(), uint32);
  // argsort of {4146024105, 1351547692, 2718843009}.
  EXPECT_EQ(values<uint32_t>(p), (std::vector<uint32_t>{1, 2, 0}));
  auto big = values<uint32_t>(random::permutation(1000, random::key(2)));
  auto sorted = big;
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0u);
  EXPECT_EQ(sorted, iota);
  EXPECT_NE(big, iota);
  EXPECT_EQ(random::permutation(0).size(), 0u);
  EXPECT_THROW(random::permutation(-1), std::invalid_argument);
}

TEST(RandomPermutation, PermutesAnArrayAlongAnAxis) {
  auto key = random::key(0);
  auto x = reshape(arange(12, int32), {3, 4});
  auto rows = values<int32_t>(random::permutation(x, 0, key));
  // Rows reordered by permutation(3, key) = {1, 2, 0}.
  EXPECT_EQ(rows, (std::vector<int32_t>{4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3}));
  auto cols = random::permutation(x, -1, random::key(5));
  EXPECT_EQ(cols.shape(), (Shape{3, 4}));
  auto perm = values<uint32_t>(random::permutation(4, random::key(5)));
  auto cv = values<int32_t>(cols);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(cv[i * 4 + j], 4 * i + static_cast<int>(perm[j]));
    }
  }
  EXPECT_THROW(random::permutation(x, 2), std::invalid_argument);
  EXPECT_THROW(random::permutation(x, -3), std::invalid_argument);
}
