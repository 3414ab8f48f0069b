// Products on the GPU against the CPU: cuBLASLt GEMM in float32/float16/bfloat16 with
// transposed, batched and broadcast operands; addmm; quantized matrix-vector products (MLX
// affine layout, 2/4/8 bits) and their prompt path; gather (embeddings), concatenate and
// slice_update (the KV cache's ops).
#include "gpu_test_util.h"

using namespace gpu_test;

namespace {

TEST_F(GpuTest, MatmulLayoutsAndDtypes) {
  for (auto dtype : {mx::float32, mx::float16, mx::bfloat16}) {
    double tol = dtype == mx::float32 ? 1e-4 : rtol_for(dtype) * 2;
    auto a = randn({33, 70}, dtype, 60);
    auto b = randn({70, 45}, dtype, 61);
    expect_close(mx::matmul(a, b, gpu), mx::matmul(a, b, cpu), tol, 1e-3, "plain");
    auto bt = mx::transpose(randn({45, 70}, dtype, 62)); // column-major operand
    expect_close(mx::matmul(a, bt, gpu), mx::matmul(a, bt, cpu), tol, 1e-3, "transposed b");
    auto at = mx::transpose(randn({70, 33}, dtype, 63));
    expect_close(mx::matmul(at, bt, gpu), mx::matmul(at, bt, cpu), tol, 1e-3, "both transposed");
    auto batched = randn({3, 4, 33, 70}, dtype, 64);
    expect_close(mx::matmul(batched, b, gpu), mx::matmul(batched, b, cpu), tol, 1e-3,
                 "batch with broadcast b");
    auto vec = randn({1, 70}, dtype, 65);
    expect_close(mx::matmul(vec, b, gpu), mx::matmul(vec, b, cpu), tol, 1e-3, "vector");
    auto sliced = mx::slice(randn({40, 90}, dtype, 66), {2, 5}, {35, 75}); // ld > cols
    expect_close(mx::matmul(sliced, b, gpu), mx::matmul(sliced, b, cpu), tol, 1e-3, "sliced");
    auto c = randn({33, 45}, dtype, 67);
    expect_close(mx::addmm(c, a, b, 0.5f, 2.0f, gpu), mx::addmm(c, a, b, 0.5f, 2.0f, cpu), tol,
                 1e-3, "addmm");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, QuantizedMatmulDecodeAndPrompt) {
  for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
    for (int bits : {2, 4, 8}) {
      for (int group : {32, 64, 128}) {
        auto w = randn({96, 512}, dtype, 70 + bits);
        auto q = mx::quantize(w, group, bits, "affine", cpu);
        for (int rows : {1, 3, 8, 20}) {
          auto x = randn({rows, 512}, dtype, 71 + rows);
          auto g = mx::quantized_matmul(x, q[0], q[1], q[2], true, group, bits, "affine", gpu);
          // The reference in float32 (the CPU's bfloat16 kernel quantizes x to int8 groups).
          auto f = [&](const mx::array& a) { return mx::astype(a, mx::float32, cpu); };
          auto c = mx::astype(
              mx::quantized_matmul(f(x), q[0], f(q[1]), f(q[2]), true, group, bits, "affine", cpu),
              dtype, cpu);
          std::string what = "qmm bits=" + std::to_string(bits) +
                             " group=" + std::to_string(group) + " rows=" + std::to_string(rows);
          if (dtype == mx::float32) {
            expect_close(g, c, 1e-4, 1e-3, what);
          } else {
            // Prompts dequantize to the input type before the GEMM: weights rounded once.
            expect_rel_norm(g, c, 1e-2, what);
          }
        }
      }
    }
    // Not transposed: x [.., K] @ dequantize(w) with w [K, N].
    auto w = randn({512, 64}, dtype, 80);
    auto q = mx::quantize(w, 64, 4, "affine", cpu);
    auto x = randn({2, 3, 512}, dtype, 81);
    auto f = [&](const mx::array& a) { return mx::astype(a, mx::float32, cpu); };
    auto ref = mx::quantized_matmul(f(x), q[0], f(q[1]), f(q[2]), false, 64, 4, "affine", cpu);
    expect_rel_norm(mx::quantized_matmul(x, q[0], q[1], q[2], false, 64, 4, "affine", gpu),
                    mx::astype(ref, dtype, cpu), dtype == mx::float32 ? 1e-5 : 1e-2,
                    "qmm not transposed");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, GatherConcatenateSliceUpdate) {
  auto table = randn({1000, 64}, mx::bfloat16, 90);
  mx::array ids({5, 999, 0, 5, -1, 123}, {2, 3}, mx::int32);
  expect_close(mx::take(table, ids, 0, gpu), mx::take(table, ids, 0, cpu), 0, 0, "take");
  auto logits = randn({3, 50}, mx::float32, 95);
  mx::array picks({4, -1, 49, 0, 7, 7}, {3, 2}, mx::int32);
  expect_close(mx::take_along_axis(logits, picks, 1, gpu),
               mx::take_along_axis(logits, picks, 1, cpu), 0, 0, "take_along_axis");
  auto tq = mx::quantize(randn({64, 128}, mx::bfloat16, 96), 64, 4, "affine", cpu);
  expect_close(mx::dequantize(tq[0], tq[1], tq[2], 64, 4, "affine", std::nullopt, gpu),
               mx::dequantize(tq[0], tq[1], tq[2], 64, 4, "affine", std::nullopt, cpu), 1.6e-2,
               1e-2, "dequantize");
  auto a = randn({2, 4, 7, 16}, mx::float32, 91);
  auto b = mx::transpose(randn({2, 4, 16, 3}, mx::float32, 92), {0, 1, 3, 2});
  expect_close(mx::concatenate({a, b}, 2, gpu), mx::concatenate({a, b}, 2, cpu), 0, 0,
               "concatenate");
  auto cache = randn({1, 4, 32, 16}, mx::bfloat16, 93);
  auto update = randn({1, 4, 3, 16}, mx::bfloat16, 94);
  expect_close(
      mx::slice_update(cache, update, mx::Shape{0, 0, 10, 0}, mx::Shape{1, 4, 13, 16}, gpu),
      mx::slice_update(cache, update, mx::Shape{0, 0, 10, 0}, mx::Shape{1, 4, 13, 16}, cpu), 0, 0,
      "slice_update");
  // The cache extended in place (its buffer donated) keeps earlier writes.
  auto grown = mx::slice_update(mx::zeros({1, 2, 8, 4}, mx::float32, gpu),
                                mx::ones({1, 2, 1, 4}, mx::float32, gpu), mx::Shape{0, 0, 3, 0},
                                mx::Shape{1, 2, 4, 4}, gpu);
  grown = mx::slice_update(grown, mx::full({1, 2, 1, 4}, 2.0f, gpu), mx::Shape{0, 0, 4, 0},
                           mx::Shape{1, 2, 5, 4}, gpu);
  EXPECT_FLOAT_EQ(mx::sum(grown, false, cpu).item<float>(), 8.0f + 16.0f);
  EXPECT_EQ(fallbacks(), 0u);
}

} // namespace
