// Model kernels on the GPU against the CPU: softmax, RMS and layer norm, RoPE, attention
// (decode and prefill, grouped-query heads, causal, mask arrays, sinks).
#include "gpu_test_util.h"

using namespace gpu_test;

namespace {

TEST_F(GpuTest, SoftmaxRowsOfEveryLength) {
  for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
    for (int d : {1, 7, 256, 1000, 50001}) {
      auto x = mx::multiply(randn({3, d}, dtype, 20 + d), mx::array(4.0f, dtype), cpu);
      expect_close(mx::softmax(x, -1, false, gpu), mx::softmax(x, -1, false, cpu),
                   rtol_for(dtype) * 2, 1e-7, "softmax " + std::to_string(d));
    }
    auto t = mx::transpose(randn({33, 5}, dtype, 21)); // rows not contiguous
    expect_close(mx::softmax(t, -1, false, gpu), mx::softmax(t, -1, false, cpu),
                 rtol_for(dtype) * 2, 1e-7, "strided softmax");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, RmsNormAndLayerNorm) {
  for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
    for (int d : {64, 2048, 3000}) {
      auto x = randn({5, d}, dtype, 30 + d);
      auto w = randn({d}, dtype, 31 + d);
      auto b = randn({d}, dtype, 32 + d);
      expect_close(mx::fast::rms_norm(x, w, 1e-5f, gpu), mx::fast::rms_norm(x, w, 1e-5f, cpu),
                   rtol_for(dtype) * 2, 1e-5, "rms_norm");
      // w * norm + b cancels: one ulp of the rounded norm (kept in the input type, as on the
      // CPU) shows as an absolute difference.
      double atol = dtype == mx::float32 ? 1e-4 : rtol_for(dtype) * 4;
      expect_close(mx::fast::layer_norm(x, w, b, 1e-5f, gpu),
                   mx::fast::layer_norm(x, w, b, 1e-5f, cpu), rtol_for(dtype) * 2, atol,
                   "layer_norm");
    }
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, RopeBothLayoutsAndOffsets) {
  for (auto dtype : {mx::float32, mx::bfloat16}) {
    // [B, L, H, D] viewed as [B, H, L, D], as attention layers do.
    auto x = mx::transpose(randn({2, 9, 4, 64}, dtype, 40), {0, 2, 1, 3});
    for (bool traditional : {false, true}) {
      for (int dims : {64, 32}) {
        auto g = mx::fast::rope(x, dims, traditional, 10000.0f, 1.0f, 17, std::nullopt, gpu);
        auto c = mx::fast::rope(x, dims, traditional, 10000.0f, 1.0f, 17, std::nullopt, cpu);
        expect_close(g, c, rtol_for(dtype) * 2, 2e-4, "rope");
      }
    }
    mx::array offsets({3, 1000}, mx::int32);
    auto g = mx::fast::rope(x, 64, false, 500000.0f, 0.5f, offsets, std::nullopt, gpu);
    auto c = mx::fast::rope(x, 64, false, 500000.0f, 0.5f, offsets, std::nullopt, cpu);
    expect_close(g, c, rtol_for(dtype) * 2, 2e-4, "rope per-batch offsets");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, AttentionDecodePrefillMasksAndSinks) {
  for (auto dtype : {mx::float32, mx::bfloat16}) {
    int B = 2, Hq = 8, Hkv = 2, D = 64;
    for (auto [Lq, Lk] : std::vector<std::pair<int, int>>{{1, 37}, {1, 1000}, {13, 13}, {5, 40}}) {
      auto q = randn({B, Hq, Lq, D}, dtype, 50 + Lq);
      // A KV cache slice: the keys are a strided view of a longer buffer.
      auto k = mx::slice(randn({B, Hkv, Lk + 8, D}, dtype, 51 + Lk), {0, 0, 0, 0}, {B, Hkv, Lk, D});
      auto v = randn({B, Hkv, Lk, D}, dtype, 52 + Lk);
      float scale = 0.125f;
      double tol = rtol_for(dtype) * 4;
      std::string at = " Lq=" + std::to_string(Lq) + " Lk=" + std::to_string(Lk);
      expect_close(mx::fast::scaled_dot_product_attention(q, k, v, scale, "", {}, {}, gpu),
                   mx::fast::scaled_dot_product_attention(q, k, v, scale, "", {}, {}, cpu), tol,
                   2e-3, "none" + at);
      expect_close(mx::fast::scaled_dot_product_attention(q, k, v, scale, "causal", {}, {}, gpu),
                   mx::fast::scaled_dot_product_attention(q, k, v, scale, "causal", {}, {}, cpu),
                   tol, 2e-3, "causal" + at);
      auto keep = mx::greater(randn({Lq, Lk}, mx::float32, 53), mx::array(-0.5f), cpu);
      expect_close(mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", keep, {}, gpu),
                   mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", keep, {}, cpu),
                   tol, 2e-3, "bool mask" + at);
      auto additive = randn({1, Hq, Lq, Lk}, dtype, 54);
      auto sinks = randn({Hq}, mx::float32, 55);
      expect_close(
          mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", additive, sinks, gpu),
          mx::fast::scaled_dot_product_attention(q, k, v, scale, "array", additive, sinks, cpu),
          tol, 2e-3, "additive mask, sinks" + at);
    }
  }
  EXPECT_EQ(fallbacks(), 0u);
}

} // namespace
