// Reductions and arg-reductions on the GPU against the CPU: axis sets, keepdims, strided
// inputs, short and long reduced extents, float and integer dtypes, NaN and ties.
#include "gpu_test_util.h"

using namespace gpu_test;

namespace {

TEST_F(GpuTest, SumMaxMinMeanProdOverAxes) {
  const std::vector<std::vector<int>> axis_sets = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
  for (auto dtype : {mx::float32, mx::bfloat16, mx::float16}) {
    // [6, 7, 300] seen through a transpose: the reduced elements are strided.
    auto x = mx::transpose(randn({300, 7, 6}, dtype, 11), {2, 1, 0});
    for (const auto& axes : axis_sets) {
      double tol = rtol_for(dtype) * 4;
      expect_close(mx::sum(x, axes, false, gpu), mx::sum(x, axes, false, cpu), tol, 1e-2, "sum");
      expect_close(mx::max(x, axes, true, gpu), mx::max(x, axes, true, cpu), 0, 0, "max");
      expect_close(mx::min(x, axes, false, gpu), mx::min(x, axes, false, cpu), 0, 0, "min");
      expect_close(mx::mean(x, axes, false, gpu), mx::mean(x, axes, false, cpu), tol, 1e-3, "mean");
    }
    auto small = mx::add(mx::multiply(randn({5, 9}, dtype, 12), mx::array(0.1f, dtype), cpu),
                         mx::array(1.0f, dtype), cpu);
    expect_close(mx::prod(small, 1, false, gpu), mx::prod(small, 1, false, cpu),
                 rtol_for(dtype) * 4, 1e-6, "prod");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, LongReductionsToFewOutputs) {
  // Whole-array and few-row reductions take the two-stage path.
  auto x = randn({1 << 24}, mx::float32, 15);
  expect_close(mx::sum(x, false, gpu), mx::sum(x, false, cpu), 1e-4, 1e-2, "sum");
  expect_close(mx::max(x, false, gpu), mx::max(x, false, cpu), 0, 0, "max");
  auto rows = mx::reshape(x, {4, 1 << 22});
  expect_close(mx::mean(rows, 1, false, gpu), mx::mean(rows, 1, false, cpu), 1e-4, 1e-5, "mean");
  auto h = mx::astype(x, mx::bfloat16, cpu);
  expect_close(mx::min(h, false, gpu), mx::min(h, false, cpu), 0, 0, "bfloat16 min");
  auto i = mx::random::randint(-100, 100, {1 << 22}, mx::int32, mx::random::key(16), cpu);
  expect_close(mx::sum(i, false, gpu), mx::sum(i, false, cpu), 0, 0, "int32 sum");
  auto b = mx::greater(x, mx::array(5.5f), cpu);
  expect_close(mx::any(b, false, gpu), mx::any(b, false, cpu), 0, 0, "any");
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, IntegerAndBoolReductions) {
  auto x = mx::random::randint(-1000, 1000, {17, 129}, mx::int32, mx::random::key(13), cpu);
  expect_close(mx::sum(x, 1, false, gpu), mx::sum(x, 1, false, cpu), 0, 0, "int sum");
  expect_close(mx::max(x, 0, false, gpu), mx::max(x, 0, false, cpu), 0, 0, "int max");
  auto x64 = mx::astype(x, mx::int64, cpu);
  expect_close(mx::sum(x64, false, gpu), mx::sum(x64, false, cpu), 0, 0, "int64 sum");
  auto b = mx::greater(x, mx::array(900), cpu);
  expect_close(mx::any(b, 1, false, gpu), mx::any(b, 1, false, cpu), 0, 0, "any");
  expect_close(mx::all(b, 0, false, gpu), mx::all(b, 0, false, cpu), 0, 0, "all");
  expect_close(mx::sum(b, 1, false, gpu), mx::sum(b, 1, false, cpu), 0, 0, "bool sum");
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, NaNPropagatesThroughMaxAndWinsArgmax) {
  std::vector<float> v(1000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = std::sin(static_cast<float>(i));
  }
  v[700] = NAN;
  v[900] = NAN;
  mx::array x(v.begin(), {2, 500});
  expect_close(mx::max(x, 1, false, gpu), mx::max(x, 1, false, cpu), 0, 0, "max");
  expect_close(mx::argmax(x, 1, false, gpu), mx::argmax(x, 1, false, cpu), 0, 0, "argmax nan");
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, ArgmaxArgminFirstOfTies) {
  for (auto dtype : {mx::float32, mx::bfloat16}) {
    // Rounded values repeat, so ties are common; the first index must win.
    auto x = mx::astype(
        mx::round(mx::multiply(randn({8, 50000}, mx::float32, 14), mx::array(3.0f), cpu), 0, cpu),
        dtype, cpu);
    expect_close(mx::argmax(x, 1, false, gpu), mx::argmax(x, 1, false, cpu), 0, 0, "argmax");
    expect_close(mx::argmin(x, 0, true, gpu), mx::argmin(x, 0, true, cpu), 0, 0, "argmin");
    auto t = mx::transpose(x);
    expect_close(mx::argmax(t, 0, false, gpu), mx::argmax(t, 0, false, cpu), 0, 0, "strided");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

} // namespace
