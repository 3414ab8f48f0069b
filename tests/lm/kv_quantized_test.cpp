// Quantized KV cache (--kv-bits): stored values within the affine quantization bound, greedy
// output unchanged at 8 bits, logits close at 4 bits, and clear errors for what cannot work.
#include <gtest/gtest.h>

#include <cmath>

#include "lm_test_util.h"
#include "mlxcpp/lm/cache.h"

namespace {

using namespace lm_test;

// Each fetched value is within half a quantization step of the original: |x - x^| <=
// (max - min) / (2^bits - 1) / 2 over its group of 64 features, checked in float64 loops.
void expect_within_quantization_bound(int bits) {
  auto key = mx::random::key(3);
  auto keys = mx::random::normal({1, 2, 5, 128}, mx::float32, 0.0f, 1.0f, key);
  auto values = mx::multiply(keys, mx::array(-0.5f));
  QuantizedKVCache cache(64, bits);
  auto [k, v] = cache.update_and_fetch(keys, values);
  ASSERT_EQ(k.shape(), keys.shape());
  EXPECT_EQ(k.dtype(), mx::float32);
  EXPECT_EQ(cache.offset(), 5);
  mx::eval(k, v, keys, values);
  for (auto [orig, got] : {std::pair{keys, k}, std::pair{values, v}}) {
    const float* x = orig.data<float>();
    const float* y = got.data<float>();
    size_t groups = orig.size() / 64;
    double worst = 0;
    for (size_t g = 0; g < groups; ++g) {
      double lo = INFINITY, hi = -INFINITY;
      for (int i = 0; i < 64; ++i) {
        lo = std::min(lo, double(x[g * 64 + i]));
        hi = std::max(hi, double(x[g * 64 + i]));
      }
      double bound = (hi - lo) / ((1 << bits) - 1) / 2 * 1.01 + 1e-6;
      for (int i = 0; i < 64; ++i) {
        double err = std::abs(double(x[g * 64 + i]) - double(y[g * 64 + i]));
        worst = std::max(worst, err / bound);
      }
    }
    EXPECT_LE(worst, 1.0) << bits << "-bit values beyond half a quantization step";
    EXPECT_GT(worst, 0.0) << "values came back unquantized";
  }
}

TEST(QuantizedKVCache, ValuesWithinTheQuantizationBound) {
  expect_within_quantization_bound(8);
  expect_within_quantization_bound(4);
}

TEST(QuantizedKVCache, AppendsTrimsAndKeepsState) {
  QuantizedKVCache cache(64, 8, /* step */ 4);
  auto a = mx::random::normal({1, 1, 3, 64}, mx::float32, 0.0f, 1.0f, mx::random::key(1));
  auto b = mx::random::normal({1, 1, 6, 64}, mx::float32, 0.0f, 1.0f, mx::random::key(2));
  cache.update_and_fetch(a, a);
  auto [k, v] = cache.update_and_fetch(b, b); // grows past the first step
  EXPECT_EQ(k.shape(2), 9);
  EXPECT_EQ(cache.state().size(), 6u);
  EXPECT_EQ(cache.state()[0].shape(2), 9);
  cache.trim(6);
  EXPECT_EQ(cache.offset(), 3);
  auto [k3, v3] = cache.update_and_fetch(b, b);
  // After trimming, the first three keys are a's again and the next six b's.
  auto first = mx::slice(k3, {0, 0, 0, 0}, {1, 1, 3, 64});
  EXPECT_LE(mx::max(mx::abs(mx::subtract(first, a))).item<float>(), 0.05f);
  auto rest = mx::slice(k3, {0, 0, 3, 0}, {1, 1, 9, 64});
  EXPECT_LE(mx::max(mx::abs(mx::subtract(rest, b))).item<float>(), 0.05f);
}

TEST(QuantizedKVCache, EightBitGreedyEqualsFloat) {
  auto model = random_llama();
  std::vector<int32_t> prompt = {17, 301, 42, 7, 499, 128, 64, 3, 250, 88, 411};
  auto plain = greedy(*model, prompt, 24);
  GenerationParams params;
  params.kv_bits = 8;
  params.kv_group_size = 64;
  params.quantized_kv_start = 0;
  params.prefill_step = 4; // quantized after the first chunk: the later chunks read it
  EXPECT_EQ(greedy(*model, prompt, 24, params), plain);

  // The cache really is quantized after generation.
  auto cache = model->make_cache();
  params.max_tokens = 2;
  generate(*model, prompt, cache, params, [](const GeneratedToken&) { return true; });
  EXPECT_NE(dynamic_cast<QuantizedKVCache*>(cache[0].get()), nullptr);
  EXPECT_EQ(cache[0]->offset(), 12);
}

TEST(QuantizedKVCache, FourBitLogitsClose) {
  auto model = random_llama();
  std::vector<int32_t> prompt = {17, 301, 42, 7, 499, 128, 64, 3, 250, 88, 411, 5};
  std::vector<int32_t> head(prompt.begin(), prompt.end() - 2);
  auto tail = array(prompt.data() + 10, {1, 2}, mx::int32);
  auto float_cache = model->make_cache();
  auto quant_cache = model->make_cache();
  model->forward(array(head.data(), {1, 10}, mx::int32), float_cache);
  model->forward(array(head.data(), {1, 10}, mx::int32), quant_cache);
  maybe_quantize_cache(quant_cache, 4, 64, 0);
  ASSERT_NE(dynamic_cast<QuantizedKVCache*>(quant_cache[1].get()), nullptr);
  auto expected = model->forward(tail, float_cache);
  auto got = model->forward(tail, quant_cache);
  float scale = mx::max(mx::abs(expected)).item<float>();
  float err = mx::max(mx::abs(mx::subtract(got, expected))).item<float>();
  EXPECT_LE(err, 0.05f * scale) << "4-bit KV logits off by " << err << " of " << scale;
  EXPECT_GT(err, 0.0f) << "4-bit KV gave float logits: was the cache used?";
  EXPECT_EQ(mx::argmax(got, -1).item<uint32_t>(), mx::argmax(expected, -1).item<uint32_t>());
}

TEST(QuantizedKVCache, BadSettingsAreClearErrors) {
  EXPECT_THROW(QuantizedKVCache(64, 3), std::invalid_argument);
  EXPECT_THROW(QuantizedKVCache(48, 8), std::invalid_argument);
  // The fixtures' head_dim of 16 has no whole group of 64.
  auto loaded = load_model(fixture("llama"));
  GenerationParams params;
  params.kv_bits = 8;
  params.quantized_kv_start = 0;
  try {
    greedy(*loaded.model, reference_prompt("llama"), 4, params);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("head_dim 16"), std::string::npos) << e.what();
  }
}

} // namespace
