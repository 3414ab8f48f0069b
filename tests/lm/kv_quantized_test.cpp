// Quantized KV cache (--kv-bits): stored values within the affine quantization bound, greedy
// output unchanged at 8 bits, logits close at 4 bits, and clear errors for what cannot work.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "lm_test_util.h"
#include "mlxcpp/lm/blocks.h"
#include "mlxcpp/lm/cache.h"

namespace {

using namespace lm_test;

// Each fetched value is within one quantization step of the original: |x - x^| <=
// (max - min) / (2^bits - 1) over its group of 64 features, checked in float64 loops. (Half a
// step of rounding, plus MLX's scheme rescales the step so that the group's extreme of larger
// magnitude is exact, which can clip the other extreme by up to about half a step more.)
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
      double bound = (hi - lo) / ((1 << bits) - 1) * 1.01 + 1e-6;
      for (int i = 0; i < 64; ++i) {
        double err = std::abs(double(x[g * 64 + i]) - double(y[g * 64 + i]));
        worst = std::max(worst, err / bound);
      }
    }
    EXPECT_LE(worst, 1.0) << bits << "-bit values beyond a quantization step";
    EXPECT_GT(worst, 0.0) << "values came back unquantized";
  }
}

TEST(QuantizedKVCache, ValuesWithinTheQuantizationBound) {
  expect_within_quantization_bound(8);
  expect_within_quantization_bound(4);
}

// quantized_attention against softmax(q k^T * scale + mask) v over the dequantized cache,
// written out with plain ops; grouped heads (4 query heads on 2 KV heads), a causal mask.
TEST(QuantizedKVCache, QuantizedAttentionEqualsAttentionOverDequantizedValues) {
  auto key = mx::random::key(11);
  auto keys = mx::random::split(key);
  auto q = mx::random::normal({1, 4, 3, 64}, mx::float32, 0.0f, 1.0f, keys.first);
  auto kv = mx::random::normal({1, 2, 7, 64}, mx::float32, 0.0f, 1.0f, keys.second);
  auto v = mx::multiply(kv, mx::array(0.7f));
  QuantizedKVCache cache(64, 4);
  auto [kq, vq] = cache.update_and_fetch_quantized(kv, v);
  auto visible = visible_keys(3, 4, 7);
  ASSERT_TRUE(visible.has_value());
  auto got = quantized_attention(q, kq, vq, 0.125f, 64, 4, visible);

  auto kd = mx::repeat(mx::dequantize(kq[0], kq[1], kq[2], 64, 4), 2, 1);
  auto vd = mx::repeat(mx::dequantize(vq[0], vq[1], vq[2], 64, 4), 2, 1);
  auto scores = mx::multiply(mx::matmul(q, mx::swapaxes(kd, -1, -2)), mx::array(0.125f));
  scores = mx::where(*visible, scores, mx::array(-INFINITY));
  auto expected = mx::matmul(mx::softmax(scores, -1), vd);
  ASSERT_EQ(got.shape(), expected.shape());
  EXPECT_LE(mx::max(mx::abs(mx::subtract(got, expected))).item<float>(), 1e-4f);
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

// Logits over two new tokens with 10 cached ones: float cache against the same cache quantized.
float kv_logit_error(Model& model, int bits, float* scale_out = nullptr) {
  std::vector<int32_t> prompt = {17, 30, 12, 7, 29, 18, 4, 3, 25, 8, 11, 5};
  auto head = array(prompt.data(), {1, 10}, mx::int32);
  auto tail = array(prompt.data() + 10, {1, 2}, mx::int32);
  auto float_cache = model.make_cache();
  auto quant_cache = model.make_cache();
  model.forward(head, float_cache);
  model.forward(head, quant_cache);
  maybe_quantize_cache(quant_cache, bits, 64, 0);
  EXPECT_NE(dynamic_cast<QuantizedKVCache*>(quant_cache[1].get()), nullptr);
  auto expected = model.forward(tail, float_cache);
  auto got = model.forward(tail, quant_cache);
  if (scale_out) {
    *scale_out = mx::max(mx::abs(expected)).item<float>();
  }
  return mx::max(mx::abs(mx::subtract(got, expected))).item<float>();
}

// Greedy decoding by hand with a float cache, recording each step's margin between the two
// largest logits.
std::vector<int32_t> greedy_with_margins(Model& model, const std::vector<int32_t>& prompt, int n,
                                         std::vector<float>& margins) {
  auto cache = model.make_cache();
  std::vector<int32_t> out;
  auto logits = model.forward(array(prompt.data(), {1, static_cast<int>(prompt.size())}, mx::int32),
                              cache, true);
  for (int i = 0; i < n; ++i) {
    auto flat = mx::reshape(logits, {-1});
    auto top2 = mx::topk(flat, 2, -1);
    margins.push_back(mx::max(top2).item<float>() - mx::min(top2).item<float>());
    int32_t id = static_cast<int32_t>(mx::argmax(flat).item<uint32_t>());
    out.push_back(id);
    logits = model.forward(array(&id, {1, 1}, mx::int32), cache, true);
  }
  return out;
}

// 8-bit KV changes logits by far less than the model's margins, so greedy decoding gives the
// same tokens: compared over the steps before the first whose float margin is within 3x the
// measured 8-bit logit error (after a near-tie the runs may part legitimately).
TEST(QuantizedKVCache, EightBitGreedyEqualsFloat) {
  // A small vocabulary keeps the top two logits further apart than 512 random ones would be.
  auto model = random_llama(7, 32);
  std::vector<int32_t> prompt = {17, 30, 12, 7, 29, 18, 4, 3, 25, 8, 11};
  std::vector<float> margins;
  auto plain = greedy_with_margins(*model, prompt, 24, margins);

  EXPECT_EQ(greedy(*model, prompt, 24), plain); // the by-hand loop is generate()'s

  float err8 = kv_logit_error(*model, 8);
  size_t decided = 0;
  while (decided < margins.size() && margins[decided] > 3 * err8) {
    ++decided;
  }
  ASSERT_GE(decided, 8u) << "the test model is too close to ties for the comparison to mean much";
  GenerationParams params;
  params.kv_bits = 8;
  params.kv_group_size = 64;
  params.quantized_kv_start = 0;
  params.prefill_step = 4; // quantized after the first chunk: the later chunks read it
  auto quantized = greedy(*model, prompt, 24, params);
  std::cout << decided << " of 24 steps decided beyond 3x the 8-bit logit error " << err8 << "\n";
  EXPECT_EQ(std::vector<int32_t>(quantized.begin(), quantized.begin() + decided),
            std::vector<int32_t>(plain.begin(), plain.begin() + decided))
      << decided << " decided steps (8-bit logit error " << err8 << ")";

  // The cache really is quantized after generation.
  auto cache = model->make_cache();
  params.max_tokens = 2;
  generate(*model, prompt, cache, params, [](const GeneratedToken&) { return true; });
  EXPECT_NE(dynamic_cast<QuantizedKVCache*>(cache[0].get()), nullptr);
  EXPECT_EQ(cache[0]->offset(), 12);
}

// The logit error grows with the quantization step (17 times larger at 4 bits than at 8).
// A random model has no redundancy to absorb it: 4-bit KV moves this one's logits by about a
// fifth of the largest one, 8-bit by about 3%.
TEST(QuantizedKVCache, FourBitLogitsClose) {
  auto model = random_llama(7, 32);
  float scale = 0;
  float err4 = kv_logit_error(*model, 4, &scale);
  float err8 = kv_logit_error(*model, 8);
  std::cout << "max |logit error| with 8-bit KV " << err8 << ", 4-bit " << err4
            << ", largest logit " << scale << "\n";
  EXPECT_GT(err8, 0.0f) << "8-bit KV gave float logits: was the cache used?";
  EXPECT_LE(err8, 0.05f * scale);
  EXPECT_LE(err4, 0.35f * scale);
  EXPECT_GE(err4 / err8, 4.0f);
  EXPECT_LE(err4 / err8, 60.0f);
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
