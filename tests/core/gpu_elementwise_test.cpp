// Element-wise kernels, copies and dtype conversions on the GPU against the CPU: every float
// dtype and the integer ones, broadcast and strided (transposed, sliced) inputs.
#include "gpu_test_util.h"

using namespace gpu_test;

namespace {

using UnaryFn = mx::array (*)(const mx::array&, mx::StreamOrDevice);

TEST_F(GpuTest, UnaryFloatOpsOnStridedInputs) {
  const std::vector<std::pair<const char*, UnaryFn>> ops = {
      {"exp", mx::exp},       {"sin", mx::sin},         {"cos", mx::cos},
      {"tanh", mx::tanh},     {"sigmoid", mx::sigmoid}, {"negative", mx::negative},
      {"abs", mx::abs},       {"square", mx::square},   {"floor", mx::floor},
      {"erf", mx::erf},       {"expm1", mx::expm1},     {"sign", mx::sign},
      {"arctan", mx::arctan}, {"ceil", mx::ceil}};
  for (auto dtype : {mx::float32, mx::float16, mx::bfloat16}) {
    // A transposed view: the kernel walks strides, not a contiguous buffer.
    auto x = mx::transpose(mx::multiply(randn({37, 23}, dtype, 1), mx::array(2.0f, dtype)));
    auto pos = mx::add(mx::abs(x, cpu), mx::array(0.25f, dtype), cpu);
    for (auto& [name, fn] : ops) {
      expect_close(fn(x, gpu), fn(x, cpu), rtol_for(dtype), 1e-6, name);
    }
    expect_close(mx::log(pos, gpu), mx::log(pos, cpu), rtol_for(dtype), 1e-6, "log");
    expect_close(mx::sqrt(pos, gpu), mx::sqrt(pos, cpu), rtol_for(dtype), 1e-6, "sqrt");
    expect_close(mx::rsqrt(pos, gpu), mx::rsqrt(pos, cpu), rtol_for(dtype), 1e-6, "rsqrt");
    expect_close(mx::round(x, 0, gpu), mx::round(x, 0, cpu), 0, 0, "round");
    expect_close(mx::logical_not(x, gpu), mx::logical_not(x, cpu), 0, 0, "logical_not");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, BinaryFloatOpsBroadcastAndStrided) {
  using BinaryFn = mx::array (*)(const mx::array&, const mx::array&, mx::StreamOrDevice);
  const std::vector<std::pair<const char*, BinaryFn>> ops = {{"add", mx::add},
                                                             {"subtract", mx::subtract},
                                                             {"multiply", mx::multiply},
                                                             {"divide", mx::divide},
                                                             {"maximum", mx::maximum},
                                                             {"minimum", mx::minimum},
                                                             {"greater", mx::greater},
                                                             {"less_equal", mx::less_equal},
                                                             {"equal", mx::equal},
                                                             {"logaddexp", mx::logaddexp},
                                                             {"arctan2", mx::arctan2},
                                                             {"remainder", mx::remainder},
                                                             {"floor_divide", mx::floor_divide}};
  for (auto dtype : {mx::float32, mx::float16, mx::bfloat16}) {
    auto a = randn({4, 1, 37}, dtype, 2);                                  // broadcast along axis 1
    auto b = mx::slice(randn({5, 80}, dtype, 3), {0, 3}, {5, 77}, {1, 2}); // strided slice [5, 37]
    for (auto& [name, fn] : ops) {
      expect_close(fn(a, b, gpu), fn(a, b, cpu), rtol_for(dtype), 1e-6, name);
    }
    auto pos = mx::add(mx::abs(a, cpu), mx::array(0.5f, dtype), cpu);
    expect_close(mx::power(pos, b, gpu), mx::power(pos, b, cpu), rtol_for(dtype), 1e-6, "power");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, BinaryIntegerOps) {
  for (auto dtype : {mx::int32, mx::int64, mx::uint32, mx::uint8}) {
    auto a = mx::random::randint(-50, 50, {6, 31}, mx::int32, mx::random::key(4), cpu);
    auto b = mx::random::randint(1, 5, {31}, mx::int32, mx::random::key(5), cpu);
    if (!mx::issubdtype(dtype, mx::signedinteger)) {
      a = mx::abs(a, cpu);
    }
    a = mx::astype(a, dtype, cpu);
    b = mx::astype(b, dtype, cpu);
    for (auto [name, fn] :
         std::vector<std::pair<const char*, mx::array (*)(const mx::array&, const mx::array&,
                                                          mx::StreamOrDevice)>>{
             {"add", mx::add},
             {"multiply", mx::multiply},
             {"maximum", mx::maximum},
             {"floor_divide", mx::floor_divide},
             {"remainder", mx::remainder},
             {"bitwise_and", mx::bitwise_and},
             {"left_shift", mx::left_shift},
             {"not_equal", mx::not_equal}}) {
      expect_close(fn(a, b, gpu), fn(a, b, cpu), 0, 0, name);
    }
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, WhereBroadcastsEveryDtype) {
  auto cond = mx::greater(randn({3, 1, 17}, mx::float32, 6), mx::array(0.0f), cpu);
  for (auto dtype : {mx::float32, mx::bfloat16, mx::int64, mx::uint8, mx::bool_}) {
    // Non-negative: float to unsigned conversion of negatives is undefined.
    auto x =
        mx::astype(mx::abs(mx::multiply(randn({4, 17}, mx::float32, 7), mx::array(9.0f), cpu), cpu),
                   dtype, cpu);
    auto y = mx::astype(mx::array(3.0f), dtype, cpu);
    expect_close(mx::where(cond, x, y, gpu), mx::where(cond, x, y, cpu), 0, 0, "where");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, AsTypeAndContiguousCopies) {
  // Non-negative and in every type's range: float to unsigned conversion of negatives is undefined.
  auto x = mx::abs(mx::multiply(randn({9, 33}, mx::float32, 8), mx::array(40.0f), cpu), cpu);
  const std::vector<mx::Dtype> types = {mx::float32, mx::float16, mx::bfloat16, mx::int32,
                                        mx::int64,   mx::uint8,   mx::bool_};
  for (auto from : types) {
    auto src = mx::transpose(mx::astype(x, from, cpu));
    for (auto to : types) {
      expect_close(mx::astype(src, to, gpu), mx::astype(src, to, cpu), 0, 0,
                   std::string("astype ") + mx::dtype_to_string(from) + " -> " +
                       mx::dtype_to_string(to));
    }
    expect_close(mx::contiguous(src, false, gpu), src, 0, 0, "contiguous");
    expect_close(mx::reshape(src, {-1}, gpu), mx::reshape(src, {-1}, cpu), 0, 0, "reshape copy");
  }
  for (auto dtype : {mx::float32, mx::bfloat16, mx::int32, mx::uint8}) {
    expect_close(mx::arange(2.0, 200.0, 1.5, dtype, gpu), mx::arange(2.0, 200.0, 1.5, dtype, cpu),
                 0, 0, "arange");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, SpecialValuesMatchTheCpu) {
  const float inf = INFINITY;
  mx::array x({NAN, inf, -inf, 300.7f, -2.5f, -129.5f, 3e9f, -3e9f, -0.0f, -100.0f, 100.0f});
  for (auto to : {mx::uint8, mx::int32, mx::int64, mx::uint32, mx::bool_}) {
    expect_close(mx::astype(x, to, gpu), mx::astype(x, to, cpu), 0, 0,
                 std::string("float32 -> ") + mx::dtype_to_string(to));
  }
  auto h = mx::astype(x, mx::float16, cpu);
  expect_close(mx::astype(h, mx::uint8, gpu), mx::astype(h, mx::uint8, cpu), 0, 0, "f16 -> u8");
  // Integers wider than float's mantissa round once into bfloat16.
  mx::array big({int64_t{(1 << 24) + (1 << 17) + 1}, int64_t{-((1 << 25) + 3)}});
  expect_close(mx::astype(big, mx::bfloat16, gpu), mx::astype(big, mx::bfloat16, cpu), 0, 0,
               "int64 -> bfloat16");
  expect_close(mx::sign(x, gpu), mx::sign(x, cpu), 0, 0, "sign");
  expect_close(mx::sigmoid(x, gpu), mx::sigmoid(x, cpu), 1e-6, 1e-45, "sigmoid");
  mx::array a({inf, -inf, inf, NAN, 1.0f});
  mx::array b({inf, -inf, -inf, 1.0f, -inf});
  expect_close(mx::logaddexp(a, b, gpu), mx::logaddexp(a, b, cpu), 1e-6, 0, "logaddexp");
  mx::array p({true, true, false, false});
  mx::array q({true, false, true, false});
  for (auto fn : {mx::maximum, mx::minimum, mx::bitwise_xor, mx::bitwise_or}) {
    expect_close(fn(p, q, gpu), fn(p, q, cpu), 0, 0, "bool op");
  }
  EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(GpuTest, GpuResultsFeedCpuOpsAndBack) {
  // GPU -> CPU -> GPU: host copies are made on demand and device copies refreshed.
  auto x = randn({64, 64}, mx::float32, 9);
  auto g = mx::exp(x, gpu);
  auto c = mx::sin(g, cpu);
  auto h = mx::multiply(c, mx::array(3.0f), gpu);
  auto ref = mx::multiply(mx::sin(mx::exp(x, cpu), cpu), mx::array(3.0f), cpu);
  expect_close(h, ref, 1e-4, 1e-5, "round trip"); // exp and sin differ in the last ulp
  // The same GPU array read twice from the host, then used on the GPU again.
  mx::eval(g);
  float first = g.data<float>()[5];
  auto again = mx::add(g, g, gpu);
  mx::eval(again);
  EXPECT_FLOAT_EQ(again.data<float>()[5], 2 * first);
}

} // namespace
