// The GPU device, memory and streams: device memory in the memory API, the cache, streams
// with work ordered between them, CPU fallbacks for primitives without a GPU kernel, and
// errors instead of crashes.
#include "gpu_test_util.h"

using namespace gpu_test;

namespace {

TEST_F(GpuTest, DeviceIsTheDefaultAndUsable) {
  EXPECT_TRUE(mx::is_available(gpu));
  EXPECT_GE(mx::device_count(mx::Device::gpu), 1);
  EXPECT_EQ(mx::default_device(), gpu);
}

TEST_F(GpuTest, MemoryApiReportsDeviceBuffers) {
  mx::synchronize(mx::default_stream(gpu));
  size_t before = mx::get_active_memory();
  auto x = mx::zeros({64, 1024, 1024}, mx::float32, gpu); // 256 MiB on the device
  mx::eval(x);
  EXPECT_GE(mx::get_active_memory(), before + (size_t{256} << 20));
  EXPECT_GE(mx::get_peak_memory(), mx::get_active_memory());
  x = mx::array(0.0f);
  mx::synchronize(mx::default_stream(gpu));
  EXPECT_LE(mx::get_active_memory(), before + 4096);
  EXPECT_GE(mx::get_cache_memory(), size_t{256} << 20); // kept in the pool
  mx::clear_cache();
  EXPECT_LT(mx::get_cache_memory(), size_t{256} << 20);
}

TEST_F(GpuTest, MemoryLimitGivesAClearError) {
  size_t old = mx::set_memory_limit(size_t{64} << 20);
  auto big = mx::zeros({256, 1024, 1024}, mx::float32, gpu);
  EXPECT_THROW(mx::eval(big), std::runtime_error);
  mx::set_memory_limit(old);
  auto ok = mx::ones({4}, mx::float32, gpu);
  EXPECT_FLOAT_EQ(mx::sum(ok, false, gpu).item<float>(), 4.0f);
}

TEST_F(GpuTest, TwoStreamsOrderedByEvents) {
  auto s1 = mx::new_stream(gpu);
  auto s2 = mx::new_stream(gpu);
  auto x = randn({2048, 2048}, mx::float32, 100);
  auto a = mx::matmul(x, x, s1);            // long work on stream 1
  auto b = mx::add(a, mx::array(1.0f), s2); // stream 2 must wait for it
  auto c = mx::sum(b, false, s2);
  auto ref = mx::sum(mx::add(mx::matmul(x, x, cpu), mx::array(1.0f), cpu), false, cpu);
  expect_close(c, ref, 1e-3, 1e-2, "two streams");
  mx::synchronize(s1);
  mx::synchronize(s2);
}

TEST_F(GpuTest, PrimitivesWithoutKernelsRunOnTheCpu) {
  auto x = randn({5, 100}, mx::float32, 101);
  auto before = fallbacks();
  auto g = mx::cumsum(mx::exp(x, gpu), 1, false, true, gpu); // cumsum has no GPU kernel yet
  expect_close(g, mx::cumsum(mx::exp(x, cpu), 1, false, true, cpu), 1e-5, 1e-5, "cumsum");
  EXPECT_GT(fallbacks(), before);
  auto sorted = mx::sort(x, 1, gpu);
  expect_close(sorted, mx::sort(x, 1, cpu), 0, 0, "sort");
}

TEST_F(GpuTest, BadInputStillThrowsOnTheGpu) {
  auto a = randn({3, 4}, mx::float32, 102);
  auto b = randn({5, 6}, mx::float32, 103);
  EXPECT_THROW(mx::matmul(a, b, gpu), std::invalid_argument);
  EXPECT_THROW(mx::set_default_device(mx::Device(mx::Device::gpu, 99)), std::invalid_argument);
}

} // namespace
