// mlx::core::fast kernels against straightforward float64 references.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

std::vector<float> random_values(size_t n, unsigned seed, float lo = -2.0f, float hi = 2.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) {
    x = dist(gen);
  }
  return v;
}

std::vector<float> to_vector(array a) {
  a = astype(contiguous(a), float32);
  eval(a);
  return std::vector<float>(a.data<float>(), a.data<float>() + a.size());
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << "at " << i;
  }
}

} // namespace

TEST(FastRmsNorm, MatchesReferenceAcrossDtypes) {
  int rows = 7, n = 67;
  auto xv = random_values(rows * n, 1);
  auto wv = random_values(n, 2);
  std::vector<double> want(rows * n);
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int i = 0; i < n; ++i) {
      ss += double(xv[r * n + i]) * xv[r * n + i];
    }
    double inv = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int i = 0; i < n; ++i) {
      want[r * n + i] = xv[r * n + i] * inv * wv[i];
    }
  }
  auto x = array(xv.begin(), {rows, n});
  auto w = array(wv.begin(), {n});
  expect_close(to_vector(fast::rms_norm(x, w, 1e-5f)), want, 1e-5);
  expect_close(to_vector(fast::rms_norm(astype(x, bfloat16), astype(w, bfloat16), 1e-5f)), want,
               2e-2);
  expect_close(to_vector(fast::rms_norm(astype(x, float16), astype(w, float16), 1e-5f)), want,
               4e-3);
  // Non-contiguous input: a transposed view.
  auto xt = transpose(reshape(x, {n, rows}));
  auto got = to_vector(fast::rms_norm(xt, std::nullopt, 1e-5f));
  auto xtv = to_vector(xt);
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int i = 0; i < n; ++i) {
      ss += double(xtv[r * n + i]) * xtv[r * n + i];
    }
    double inv = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int i = 0; i < n; ++i) {
      ASSERT_NEAR(got[r * n + i], xtv[r * n + i] * inv, 1e-5);
    }
  }
}

TEST(FastRmsNorm, Errors) {
  EXPECT_THROW(fast::rms_norm(array(1.0f), std::nullopt, 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}), ones({4}), 1e-5f), std::invalid_argument);
  EXPECT_THROW(fast::rms_norm(ones({2, 3}, int32), std::nullopt, 1e-5f), std::invalid_argument);
}

TEST(FastLayerNorm, MatchesReference) {
  int rows = 5, n = 33;
  auto xv = random_values(rows * n, 3, 3.0f, 5.0f); // offset mean: tests the centred variance
  auto wv = random_values(n, 4);
  auto bv = random_values(n, 5);
  std::vector<double> want(rows * n), want_plain(rows * n);
  for (int r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int i = 0; i < n; ++i) {
      mean += xv[r * n + i];
    }
    mean /= n;
    for (int i = 0; i < n; ++i) {
      var += (xv[r * n + i] - mean) * (xv[r * n + i] - mean);
    }
    var /= n;
    for (int i = 0; i < n; ++i) {
      double norm = (xv[r * n + i] - mean) / std::sqrt(var + 1e-5);
      want[r * n + i] = norm * wv[i] + bv[i];
      want_plain[r * n + i] = norm;
    }
  }
  auto x = array(xv.begin(), {rows, n});
  expect_close(
      to_vector(fast::layer_norm(x, array(wv.begin(), {n}), array(bv.begin(), {n}), 1e-5f)), want,
      2e-5);
  expect_close(to_vector(fast::layer_norm(x, std::nullopt, std::nullopt, 1e-5f)), want_plain, 2e-5);
  EXPECT_THROW(fast::layer_norm(x, std::nullopt, ones({n + 1}), 1e-5f), std::invalid_argument);
}

namespace {

// RoPE reference over x [B, H, L, D].
std::vector<double> rope_reference(const std::vector<float>& x, int B, int H, int L, int D,
                                   int dims, bool traditional, double base, double scale,
                                   const std::vector<int>& offsets) {
  std::vector<double> out(x.begin(), x.end());
  int half = dims / 2;
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < H; ++h) {
      for (int l = 0; l < L; ++l) {
        double pos = offsets[offsets.size() == 1 ? 0 : b] + l;
        size_t row = ((size_t(b) * H + h) * L + l) * D;
        for (int i = 0; i < half; ++i) {
          double theta = pos * scale * std::pow(base, -2.0 * i / dims);
          int i1 = traditional ? 2 * i : i;
          int i2 = traditional ? 2 * i + 1 : i + half;
          double x1 = x[row + i1], x2 = x[row + i2];
          out[row + i1] = x1 * std::cos(theta) - x2 * std::sin(theta);
          out[row + i2] = x1 * std::sin(theta) + x2 * std::cos(theta);
        }
      }
    }
  }
  return out;
}

} // namespace

TEST(FastRope, TraditionalAndHalfRotationWithOffsets) {
  int B = 2, H = 3, L = 5, D = 16;
  auto xv = random_values(B * H * L * D, 6);
  auto x = array(xv.begin(), {B, H, L, D});
  for (bool traditional : {false, true}) {
    for (int dims : {16, 8}) {
      auto want = rope_reference(xv, B, H, L, D, dims, traditional, 10000.0, 1.0, {7});
      expect_close(to_vector(fast::rope(x, dims, traditional, 10000.0f, 1.0f, 7)), want, 1e-4);
    }
  }
  // Scale and an array offset per batch entry.
  auto want = rope_reference(xv, B, H, L, D, D, false, 500000.0, 0.5, {3, 11});
  expect_close(to_vector(fast::rope(x, D, false, 500000.0f, 0.5f, array({3, 11}))), want, 1e-4);
  // bf16 input.
  auto want7 = rope_reference(xv, B, H, L, D, D, false, 10000.0, 1.0, {0});
  expect_close(to_vector(fast::rope(astype(x, bfloat16), D, false, 10000.0f, 1.0f, 0)), want7,
               2e-2);
}

TEST(FastRope, CustomFrequencies) {
  int L = 4, D = 8;
  auto xv = random_values(L * D, 7);
  auto x = array(xv.begin(), {1, 1, L, D});
  // freqs = base^(2i/dims) reproduces the default.
  std::vector<float> f;
  for (int i = 0; i < D / 2; ++i) {
    f.push_back(std::pow(10000.0f, 2.0f * i / D));
  }
  auto with_freqs = fast::rope(x, D, false, std::nullopt, 1.0f, 2, array(f.begin(), {D / 2}));
  auto want = rope_reference(xv, 1, 1, L, D, D, false, 10000.0, 1.0, {2});
  expect_close(to_vector(with_freqs), want, 1e-4);
  EXPECT_THROW(fast::rope(x, D, false, 10000.0f, 1.0f, 0, array(f.begin(), {D / 2})),
               std::invalid_argument);
  EXPECT_THROW(fast::rope(x, 3, false, 10000.0f, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(fast::rope(x, D, false, 10000.0f, 1.0f, array(1.5f)), std::invalid_argument);
}

namespace {

// Reference attention in double: q [B,Hq,Lq,D], k/v [B,Hkv,Lk,D].
std::vector<double> attention_reference(const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, int B, int Hq, int Hkv, int Lq,
                                        int Lk, int D, double scale, bool causal,
                                        const std::vector<float>* additive_mask,
                                        const std::vector<float>* sinks) {
  std::vector<double> out(size_t(B) * Hq * Lq * D);
  int group = Hq / Hkv;
  for (int b = 0; b < B; ++b) {
    for (int h = 0; h < Hq; ++h) {
      int hk = h / group;
      for (int i = 0; i < Lq; ++i) {
        std::vector<double> s(Lk);
        double m = -INFINITY;
        for (int j = 0; j < Lk; ++j) {
          double dotp = 0;
          for (int d = 0; d < D; ++d) {
            dotp += double(q[((size_t(b) * Hq + h) * Lq + i) * D + d]) *
                    k[((size_t(b) * Hkv + hk) * Lk + j) * D + d];
          }
          s[j] = dotp * scale;
          if (additive_mask) {
            s[j] += (*additive_mask)[((size_t(b) * Hq + h) * Lq + i) * Lk + j];
          }
          if (causal && j > i + (Lk - Lq)) {
            s[j] = -INFINITY;
          }
          m = std::max(m, s[j]);
        }
        if (sinks) {
          m = std::max(m, double((*sinks)[h]));
        }
        double denom = sinks ? std::exp((*sinks)[h] - m) : 0.0;
        for (int j = 0; j < Lk; ++j) {
          denom += std::exp(s[j] - m);
        }
        for (int d = 0; d < D; ++d) {
          double acc = 0;
          for (int j = 0; j < Lk; ++j) {
            acc += std::exp(s[j] - m) * v[((size_t(b) * Hkv + hk) * Lk + j) * D + d];
          }
          out[((size_t(b) * Hq + h) * Lq + i) * D + d] = acc / denom;
        }
      }
    }
  }
  return out;
}

} // namespace

TEST(FastAttention, GroupedQueryCausalAndPlain) {
  int B = 2, Hq = 4, Hkv = 2, D = 16;
  for (auto [Lq, Lk] : {std::pair{1, 150}, std::pair{37, 37}, std::pair{5, 70}}) {
    auto qv = random_values(B * Hq * Lq * D, 10 + Lq);
    auto kv = random_values(B * Hkv * Lk * D, 20 + Lk);
    auto vv = random_values(B * Hkv * Lk * D, 30 + Lk);
    auto q = array(qv.begin(), {B, Hq, Lq, D});
    auto k = array(kv.begin(), {B, Hkv, Lk, D});
    auto v = array(vv.begin(), {B, Hkv, Lk, D});
    double scale = 1.0 / std::sqrt(D);
    for (bool causal : {false, true}) {
      auto want =
          attention_reference(qv, kv, vv, B, Hq, Hkv, Lq, Lk, D, scale, causal, nullptr, nullptr);
      auto got = fast::scaled_dot_product_attention(q, k, v, scale, causal ? "causal" : "");
      expect_close(to_vector(got), want, 2e-5);
      auto got16 =
          fast::scaled_dot_product_attention(astype(q, bfloat16), astype(k, bfloat16),
                                             astype(v, bfloat16), scale, causal ? "causal" : "");
      EXPECT_EQ(got16.dtype(), bfloat16);
      expect_close(to_vector(got16), want, 3e-2);
    }
  }
}

TEST(FastAttention, ArrayMasksSinksAndStridedKeys) {
  int B = 1, Hq = 2, Hkv = 1, Lq = 3, Lk = 9, D = 8;
  auto qv = random_values(B * Hq * Lq * D, 40);
  auto kv = random_values(B * Hkv * Lk * D, 41);
  auto vv = random_values(B * Hkv * Lk * D, 42);
  auto mv = random_values(B * Hq * Lq * Lk, 43);
  std::vector<float> sinks = {0.5f, -1.0f};
  auto q = array(qv.begin(), {B, Hq, Lq, D});
  auto k = array(kv.begin(), {B, Hkv, Lk, D});
  auto v = array(vv.begin(), {B, Hkv, Lk, D});
  auto mask = array(mv.begin(), {B, Hq, Lq, Lk});
  auto want = attention_reference(qv, kv, vv, B, Hq, Hkv, Lq, Lk, D, 0.3, false, &mv, &sinks);
  auto got =
      fast::scaled_dot_product_attention(q, k, v, 0.3f, "array", mask, array(sinks.begin(), {Hq}));
  expect_close(to_vector(got), want, 2e-5);

  // A boolean mask equal to the causal pattern gives the causal result.
  auto causal_mask =
      greater_equal(reshape(arange(Lq), {Lq, 1}) + (Lk - Lq), reshape(arange(Lk), {1, Lk}));
  auto by_mask = fast::scaled_dot_product_attention(q, k, v, 0.3f, "", causal_mask);
  auto by_mode = fast::scaled_dot_product_attention(q, k, v, 0.3f, "causal");
  expect_close(
      to_vector(by_mask),
      [&] {
        auto w = to_vector(by_mode);
        return std::vector<double>(w.begin(), w.end());
      }(),
      1e-6);

  // Keys and values as slices of a larger cache (strided views).
  auto kcache = concatenate({k, zeros({B, Hkv, 7, D})}, 2);
  auto vcache = concatenate({v, zeros({B, Hkv, 7, D})}, 2);
  auto ks = slice(kcache, {0, 0, 0, 0}, {B, Hkv, Lk, D});
  auto vs = slice(vcache, {0, 0, 0, 0}, {B, Hkv, Lk, D});
  auto want_plain =
      attention_reference(qv, kv, vv, B, Hq, Hkv, Lq, Lk, D, 0.3, false, nullptr, nullptr);
  expect_close(to_vector(fast::scaled_dot_product_attention(q, ks, vs, 0.3f)), want_plain, 2e-5);
}

TEST(FastAttention, Errors) {
  auto q = ones({1, 4, 2, 8});
  auto k = ones({1, 3, 2, 8});
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k, k, 1.0f), std::invalid_argument);
  auto k2 = ones({1, 2, 2, 4});
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k2, k2, 1.0f), std::invalid_argument);
  auto k3 = ones({1, 2, 2, 8});
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "sliding"),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "array"), std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "", ones({3, 3})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "", std::nullopt, ones({3})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(ones({4, 2, 8}), k3, k3, 1.0f),
               std::invalid_argument);
}
