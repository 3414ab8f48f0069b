// fast::scaled_dot_product_attention against a float64 reference: both block kernels (few
// rows: decoding; many rows: prefill), every instruction-set variant, head dimensions that are
// and are not whole vectors, Dv != D, key lengths across block and split boundaries, masks,
// sinks, strided keys and values, and every error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <vector>

#include "mlx/mlx.h"

#include "isa_variants.h"

using namespace mlx::core;
using mlx::core::testing::for_each_isa;

namespace {

struct Dims {
  int B, Hq, Hkv, Lq, Lk, D, Dv;
};

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

// The values an array of `dtype` holds for v (rounded as the array stores them).
std::vector<float> stored(const std::vector<float>& v, Dtype dtype) {
  return to_vector(astype(array(v.begin(), {static_cast<int>(v.size())}), dtype));
}

struct Masking {
  bool causal = false;
  const std::vector<float>* additive = nullptr; // [B, Hq, Lq, Lk]
  const std::vector<bool>* keep = nullptr;      // [B, Hq, Lq, Lk]
  const std::vector<float>* sinks = nullptr;    // [Hq]
};

std::vector<double> reference(const std::vector<float>& q, const std::vector<float>& k,
                              const std::vector<float>& v, Dims d, double scale, Masking m) {
  std::vector<double> out(size_t(d.B) * d.Hq * d.Lq * d.Dv);
  int group = d.Hq / d.Hkv;
  std::vector<double> s(d.Lk);
  for (int b = 0; b < d.B; ++b) {
    for (int h = 0; h < d.Hq; ++h) {
      int hk = h / group;
      for (int i = 0; i < d.Lq; ++i) {
        size_t row = (size_t(b) * d.Hq + h) * d.Lq + i;
        double mx = m.sinks ? (*m.sinks)[h] : -INFINITY;
        for (int j = 0; j < d.Lk; ++j) {
          double dot = 0;
          for (int e = 0; e < d.D; ++e) {
            dot += double(q[row * d.D + e]) * k[((size_t(b) * d.Hkv + hk) * d.Lk + j) * d.D + e];
          }
          s[j] = dot * scale;
          if (m.additive) {
            s[j] += (*m.additive)[row * d.Lk + j];
          }
          if ((m.keep && !(*m.keep)[row * d.Lk + j]) || (m.causal && j > i + d.Lk - d.Lq)) {
            s[j] = -INFINITY;
          }
          mx = std::max(mx, s[j]);
        }
        double denom = m.sinks ? std::exp((*m.sinks)[h] - mx) : 0.0;
        for (int j = 0; j < d.Lk; ++j) {
          s[j] = mx == -INFINITY ? 0.0 : std::exp(s[j] - mx);
          denom += s[j];
        }
        for (int e = 0; e < d.Dv; ++e) {
          double acc = 0;
          for (int j = 0; j < d.Lk; ++j) {
            acc += s[j] * v[((size_t(b) * d.Hkv + hk) * d.Lk + j) * d.Dv + e];
          }
          out[row * d.Dv + e] = denom > 0 ? acc / denom : 0.0;
        }
      }
    }
  }
  return out;
}

double tolerance(Dtype dtype) {
  return dtype == float32 || dtype == float64 ? 2e-5 : dtype == float16 ? 4e-3 : 2e-2;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << "at " << i;
  }
}

// Random q, k, v of dims, attention by fast:: in `dtype`, checked against the reference on the
// stored (rounded) inputs. `layout` may turn k and v into slices of a larger cache and q into a
// transposed view.
enum class Layout { contiguous, views };

void check(Dims d, Dtype dtype, Masking m, unsigned seed, Layout layout = Layout::contiguous) {
  SCOPED_TRACE("B " + std::to_string(d.B) + " Hq " + std::to_string(d.Hq) + " Hkv " +
               std::to_string(d.Hkv) + " Lq " + std::to_string(d.Lq) + " Lk " +
               std::to_string(d.Lk) + " D " + std::to_string(d.D) + " Dv " + std::to_string(d.Dv) +
               " " + dtype_to_string(dtype));
  auto qv = stored(random_values(size_t(d.B) * d.Hq * d.Lq * d.D, seed), dtype);
  auto kv = stored(random_values(size_t(d.B) * d.Hkv * d.Lk * d.D, seed + 1), dtype);
  auto vv = stored(random_values(size_t(d.B) * d.Hkv * d.Lk * d.Dv, seed + 2), dtype);
  double scale = 1.0 / std::sqrt(std::max(d.D, 1));
  auto q = astype(array(qv.begin(), {d.B, d.Hq, d.Lq, d.D}), dtype);
  auto k = astype(array(kv.begin(), {d.B, d.Hkv, d.Lk, d.D}), dtype);
  auto v = astype(array(vv.begin(), {d.B, d.Hkv, d.Lk, d.Dv}), dtype);
  if (layout == Layout::views) {
    // q as the LM passes it: [B, L, H, D] transposed; k and v: the first Lk positions of a
    // preallocated cache, filled with garbage past them.
    q = transpose(contiguous(transpose(q, {0, 2, 1, 3})), {0, 2, 1, 3});
    int extra = 37;
    k = slice(concatenate({k, full({d.B, d.Hkv, extra, d.D}, NAN, dtype)}, 2), {0, 0, 0, 0},
              {d.B, d.Hkv, d.Lk, d.D});
    v = slice(concatenate({v, full({d.B, d.Hkv, extra, d.Dv}, NAN, dtype)}, 2), {0, 0, 0, 0},
              {d.B, d.Hkv, d.Lk, d.Dv});
    eval(q, k, v);
  }
  std::optional<array> mask;
  if (m.additive) {
    mask = astype(array(m.additive->begin(), {d.B, d.Hq, d.Lq, d.Lk}), dtype);
  } else if (m.keep) {
    std::vector<uint8_t> bytes(m.keep->begin(), m.keep->end());
    mask = astype(array(bytes.begin(), {d.B, d.Hq, d.Lq, d.Lk}, uint8), bool_);
  }
  std::optional<array> sinks;
  if (m.sinks) {
    sinks = array(m.sinks->begin(), {d.Hq});
  }
  auto got = fast::scaled_dot_product_attention(q, k, v, static_cast<float>(scale),
                                                m.causal ? "causal" : "", mask, sinks);
  ASSERT_EQ(got.dtype(), dtype);
  ASSERT_EQ(got.shape(), (Shape{d.B, d.Hq, d.Lq, d.Dv}));
  expect_close(to_vector(got), reference(qv, kv, vv, d, scale, m), tolerance(dtype));
}

// Shapes that reach each block kernel and the edges of its blocks (decoding key blocks of 128,
// prefill key blocks of 64 and row tiles of 64, key splits of 256).
const Dims shapes[] = {
    {1, 8, 2, 1, 300, 64, 64},   // decoding: 4 rows a block, keys past 2 blocks
    {1, 4, 1, 1, 257, 80, 96},   // decoding, D and Dv of 5 and 6 vectors
    {2, 4, 2, 2, 131, 256, 256}, // 4 rows a block, large head
    {1, 16, 1, 1, 200, 96, 80},  // one query, 16 heads a group: the many-row kernel
    {1, 4, 1, 70, 70, 128, 128}, // prefill: 64-row tiles and a partial one
    {1, 2, 2, 40, 150, 80, 64},  // chunked prefill (Lk > Lq), Dv != D
    {1, 3, 1, 9, 65, 33, 17},    // odd head dims, partial vectors everywhere
    {1, 2, 1, 1, 1500, 64, 64},  // one block for 2 threads: keys split and merged
    {1, 2, 1, 3, 70, 33, 17},    // decoding a few positions, odd head dims
    {1, 4, 2, 5, 3, 16, 16},     // more queries than keys: causal rows that see none
    {1, 2, 1, 2, 0, 8, 8},       // no keys at all
    {1, 2, 1, 1, 5, 0, 4},       // empty head dimension: uniform weights
    {1, 4, 1, 20, 30, 0, 4},
};

} // namespace

TEST(FastAttention, EveryKernelShapeAndDtype) {
  for_each_isa([&] {
    unsigned seed = 100;
    for (const auto& d : shapes) {
      for (Dtype dtype : {float32, bfloat16, float16}) {
        for (bool causal : {false, true}) {
          Masking m;
          m.causal = causal;
          check(d, dtype, m, seed += 3);
        }
      }
    }
  });
}

TEST(FastAttention, Float64) {
  Masking m;
  m.causal = true;
  check({1, 4, 2, 5, 9, 8, 6}, float64, m, 7);
  check({1, 2, 1, 1, 40, 16, 16}, float64, Masking{}, 8);
}

TEST(FastAttention, StridedQueriesKeysAndValues) {
  for_each_isa([&] {
    for (const auto& d : {Dims{1, 8, 2, 1, 300, 64, 64}, Dims{2, 4, 2, 33, 33, 80, 80},
                          Dims{1, 2, 1, 1, 1500, 64, 64}}) {
      for (Dtype dtype : {float32, bfloat16}) {
        Masking m;
        m.causal = true;
        check(d, dtype, m, 300, Layout::views);
      }
    }
  });
}

TEST(FastAttention, ArrayMasksAndSinks) {
  for_each_isa([&] {
    for (const auto& d : {Dims{1, 4, 2, 1, 150, 64, 64}, Dims{1, 4, 1, 20, 90, 48, 40},
                          Dims{1, 2, 1, 1, 1500, 32, 32}}) {
      size_t n = size_t(d.B) * d.Hq * d.Lq * d.Lk;
      auto additive = random_values(n, 40, -3.0f, 1.0f);
      std::vector<bool> keep(n);
      std::mt19937 gen(41);
      for (size_t i = 0; i < n; ++i) {
        keep[i] = gen() % 3 != 0;
      }
      // One row with every key masked: it gets zeros (and, with a sink, zeros too).
      for (int j = 0; j < d.Lk; ++j) {
        keep[j] = false;
      }
      auto sinks = random_values(d.Hq, 42, -1.0f, 2.0f);
      for (Dtype dtype : {float32, bfloat16}) {
        Masking add;
        add.additive = &additive;
        check(d, dtype, add, 50);
        Masking boolean;
        boolean.keep = &keep;
        check(d, dtype, boolean, 51);
        boolean.sinks = &sinks;
        check(d, dtype, boolean, 52);
        Masking causal_sinks;
        causal_sinks.causal = true;
        causal_sinks.sinks = &sinks;
        check(d, dtype, causal_sinks, 53);
      }
    }
  });
}

TEST(FastAttention, BooleanMaskEqualToCausal) {
  int Lq = 3, Lk = 9;
  auto qv = random_values(2 * Lq * 8, 60), kv = random_values(Lk * 8, 61),
       vv = random_values(Lk * 8, 62);
  auto q = array(qv.begin(), {1, 2, Lq, 8});
  auto k = array(kv.begin(), {1, 1, Lk, 8});
  auto v = array(vv.begin(), {1, 1, Lk, 8});
  auto causal_mask =
      greater_equal(reshape(arange(Lq), {Lq, 1}) + (Lk - Lq), reshape(arange(Lk), {1, Lk}));
  auto by_mask = to_vector(fast::scaled_dot_product_attention(q, k, v, 0.3f, "", causal_mask));
  auto by_mode = to_vector(fast::scaled_dot_product_attention(q, k, v, 0.3f, "causal"));
  ASSERT_EQ(by_mask.size(), by_mode.size());
  for (size_t i = 0; i < by_mask.size(); ++i) {
    EXPECT_NEAR(by_mask[i], by_mode[i], 1e-6);
  }
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
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "causal", ones({2, 2})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, k3, 1.0f, "", std::nullopt, ones({3})),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(ones({4, 2, 8}), k3, k3, 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(ones({1, 4, 2, 8}, int32), k3, k3, 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, ones({2, 2, 2, 8}), ones({2, 2, 2, 8}), 1.0f),
               std::invalid_argument);
  EXPECT_THROW(fast::scaled_dot_product_attention(q, k3, ones({1, 2, 3, 8}), 1.0f),
               std::invalid_argument);
}
