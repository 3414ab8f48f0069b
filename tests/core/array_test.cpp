// The array handle: construction, shapes and strides, lazy evaluation, views, printing.
#include <gtest/gtest.h>

#include <sstream>

#include "mlx/mlx.h"

using namespace mlx::core;

TEST(Array, ScalarsHaveTheirCppType) {
  EXPECT_EQ(array(1).dtype(), int32);
  EXPECT_EQ(array(1.0f).dtype(), float32);
  EXPECT_EQ(array(1.0).dtype(), float32); // double maps to float32, as in MLX
  EXPECT_EQ(array(true).dtype(), bool_);
  EXPECT_EQ(array(int64_t{3}).dtype(), int64);
  EXPECT_EQ(array(uint8_t{3}).dtype(), uint8);
  EXPECT_EQ(array(std::complex<float>(1, 2)).dtype(), complex64);
  EXPECT_EQ(array(1).ndim(), 0u);
  EXPECT_EQ(array(1).size(), 1u);
}

TEST(Array, InitializerLists) {
  auto a = array({1, 2, 3});
  EXPECT_EQ(a.shape(), Shape{3});
  EXPECT_EQ(a.dtype(), int32);
  auto b = array({1.0f, 2.0f, 3.0f, 4.0f}, {2, 2});
  EXPECT_EQ(b.shape(), (Shape{2, 2}));
  EXPECT_EQ(b.strides(), (Strides{2, 1}));
  EXPECT_THROW(array({1.0f, 2.0f, 3.0f}, {2, 2}), std::invalid_argument);
  auto empty = array({}, float16);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.dtype(), float16);
}

TEST(Array, ConversionOnConstruction) {
  auto a = array({1.5f, -2.5f}, int32);
  EXPECT_EQ(a.data<int32_t>()[0], 1);
  EXPECT_EQ(a.data<int32_t>()[1], -2);
  auto b = array({0.1f, 3.0f}, bfloat16);
  EXPECT_EQ(static_cast<float>(b.data<bfloat16_t>()[1]), 3.0f);
  auto c = array(2.5f, complex64);
  EXPECT_EQ(c.item<complex64_t>(), complex64_t(2.5f, 0.0f));
}

TEST(Array, ItemRequiresSizeOne) {
  EXPECT_THROW(array({1, 2}).item<int>(), std::invalid_argument);
  EXPECT_EQ(array({7}).item<int>(), 7);
}

TEST(Array, LazyUntilEvaluated) {
  auto a = array({1.0f, 2.0f});
  auto b = a + a;
  EXPECT_EQ(b.status(), array::Status::unscheduled);
  EXPECT_TRUE(b.has_primitive());
  eval(b);
  EXPECT_EQ(b.status(), array::Status::available);
  // Evaluated nodes are detached from the graph so their inputs can be freed.
  EXPECT_FALSE(b.has_primitive());
  EXPECT_TRUE(b.inputs().empty());
  EXPECT_EQ(b.data<float>()[1], 4.0f);
}

TEST(Array, DeepGraphsEvaluateAndFreeWithoutRecursion) {
  auto x = array(0.0f);
  for (int i = 0; i < 200000; ++i) {
    x = x + 1.0f;
  }
  EXPECT_EQ(x.item<float>(), 200000.0f);
  auto y = array(0.0f);
  for (int i = 0; i < 200000; ++i) {
    y = y + 1.0f;
  }
  // Dropping an unevaluated deep graph must not overflow the stack either.
  y = array(1.0f);
  EXPECT_EQ(y.item<float>(), 1.0f);
}

TEST(Array, Iteration) {
  auto m = reshape(arange(6), {3, 2});
  int row = 0;
  for (auto r : m) {
    EXPECT_EQ(r.shape(), Shape{2});
    EXPECT_EQ(r.dtype(), int32);
    r.eval();
    EXPECT_EQ(r.data<int>()[0], 2 * row);
    ++row;
  }
  EXPECT_EQ(row, 3);
  EXPECT_THROW(array(1).begin(), std::invalid_argument);
}

TEST(Array, PrintsLikeMlx) {
  std::ostringstream os;
  os << array({1, 2, 3});
  EXPECT_EQ(os.str(), "array([1, 2, 3], dtype=int32)");
  os.str("");
  os << reshape(arange(4.0, float32), {2, 2});
  EXPECT_EQ(os.str(), "array([[0, 1],\n       [2, 3]], dtype=float32)");
  os.str("");
  os << array(true);
  EXPECT_EQ(os.str(), "array(true, dtype=bool)");
  os.str("");
  os << arange(10);
  EXPECT_EQ(os.str(), "array([0, 1, 2, ..., 7, 8, 9], dtype=int32)");
  os.str("");
  os << array(std::complex<float>(1.5f, -2.0f));
  EXPECT_EQ(os.str(), "array(1.5-2j, dtype=complex64)");
  os.str("");
  os << array({0.5f}, bfloat16);
  EXPECT_EQ(os.str(), "array([0.5], dtype=bfloat16)");
  os.str("");
  os << array(int8_t{-3});
  EXPECT_EQ(os.str(), "array(-3, dtype=int8)");
}

TEST(Array, MultiOutputSiblingsAreFreed) {
  auto before = get_active_memory();
  {
    auto parts = divmod(array({7, 8}), array({2, 3}));
    EXPECT_EQ(parts.size(), 2u);
  }
  EXPECT_EQ(get_active_memory(), before);
}
