// matmul, addmm, tensordot, outer and inner against float64 references.
#include <gtest/gtest.h>

#include "mlx/mlx.h"

#include "matmul_reference.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

const Dtype float_types[] = {float32, float64, float16, bfloat16};

struct Dims {
  int M, K, N;
};

// Sizes with 1s, odd sizes, products large enough to be split across threads, and (for the
// blocked bfloat16 kernel) several blocks of rows, depth and columns.
const Dims sizes[] = {{1, 1, 1},     {3, 5, 7},     {17, 65, 33},   {65, 17, 1},   {1, 65, 17},
                      {33, 1, 9},    {4, 9, 6},     {130, 67, 129}, {8, 300, 700}, {700, 90, 9},
                      {20, 777, 45}, {6, 40, 2100}, {1100, 3, 70}};

} // namespace

TEST(Matmul, MatchesReferenceForEveryFloatType) {
  std::mt19937 rng(1);
  for (auto dtype : float_types) {
    for (auto [M, K, N] : sizes) {
      auto a = random_array({M, K}, dtype, rng);
      auto b = random_array({K, N}, dtype, rng);
      SCOPED_TRACE(testing::Message() << dtype << " " << M << "x" << K << "x" << N);
      expect_matches(matmul(a, b), reference_matmul(a, b), K, dtype);
      // A weight stored [N, K] and used transposed, as linear layers do.
      auto w = transpose(random_array({N, K}, dtype, rng));
      expect_matches(matmul(a, w), reference_matmul(a, w), K, dtype);
    }
  }
}

TEST(Matmul, VectorsFollowNumpy) {
  std::mt19937 rng(2);
  auto v = random_array({17}, float32, rng);
  auto w = random_array({17}, float32, rng);
  auto m = random_array({17, 5}, float32, rng);
  auto mt = random_array({5, 17}, float32, rng);
  auto stack = random_array({3, 17, 4}, float32, rng);
  auto stack_t = random_array({2, 3, 4, 17}, float32, rng);
  expect_matches(matmul(v, m), reference_matmul(v, m), 17, float32);   // [5]
  expect_matches(matmul(mt, v), reference_matmul(mt, v), 17, float32); // [5]
  expect_matches(matmul(v, w), reference_matmul(v, w), 17, float32);   // []
  EXPECT_EQ(matmul(v, w).shape(), Shape{});
  expect_matches(matmul(v, stack), reference_matmul(v, stack), 17, float32);     // [3, 4]
  expect_matches(matmul(stack_t, v), reference_matmul(stack_t, v), 17, float32); // [2, 3, 4]
  EXPECT_EQ(matmul(stack_t, v).shape(), (Shape{2, 3, 4}));
}

TEST(Matmul, BatchAxesBroadcast) {
  std::mt19937 rng(3);
  for (auto dtype : {float32, bfloat16}) {
    auto a = random_array({2, 1, 3, 5, 7}, dtype, rng);
    auto b = random_array({4, 1, 7, 6}, dtype, rng);
    expect_matches(matmul(a, b), reference_matmul(a, b), 7, dtype); // [2, 4, 3, 5, 6]
    // A stack times one matrix, and one matrix times a stack.
    auto stack = random_array({4, 3, 9, 7}, dtype, rng);
    auto mat = random_array({7, 11}, dtype, rng);
    expect_matches(matmul(stack, mat), reference_matmul(stack, mat), 7, dtype);
    auto left = random_array({9, 4}, dtype, rng);
    auto right = random_array({2, 3, 4, 5}, dtype, rng);
    expect_matches(matmul(left, right), reference_matmul(left, right), 4, dtype);
  }
}

TEST(Matmul, BatchesLargeEnoughToSplit) {
  std::mt19937 rng(12);
  for (auto dtype : float_types) {
    SCOPED_TRACE(testing::Message() << dtype);
    // Three products, cut into tiles by rows (M >= N) and by columns (M < N).
    auto a = random_array({3, 130, 67}, dtype, rng);
    auto b = random_array({3, 67, 129}, dtype, rng);
    expect_matches(matmul(a, b), reference_matmul(a, b), 67, dtype);
    auto c = random_array({3, 40, 67}, dtype, rng);
    auto d = transpose(random_array({3, 300, 67}, dtype, rng), {0, 2, 1});
    expect_matches(matmul(c, d), reference_matmul(c, d), 67, dtype);
  }
}

TEST(Matmul, StridedOperands) {
  std::mt19937 rng(4);
  for (auto dtype : float_types) {
    SCOPED_TRACE(testing::Message() << dtype);
    auto base = random_array({40, 34}, dtype, rng);
    auto base3 = random_array({3, 34, 40}, dtype, rng);
    // Transposed views (column-major for BLAS).
    auto at = transpose(base);                               // [34, 40]
    auto bt = transpose(random_array({21, 40}, dtype, rng)); // [40, 21]
    expect_matches(matmul(at, bt), reference_matmul(at, bt), 40, dtype);
    // A leading dimension larger than the row (a column slice).
    auto cols = slice(base, {0, 3}, {40, 20});        // [40, 17]
    auto rows = slice(base3, {0, 0, 0}, {3, 17, 40}); // [3, 17, 40]
    expect_matches(matmul(rows, cols), reference_matmul(rows, cols), 40, dtype);
    // Non-unit inner strides and negative strides need a copy.
    auto stepped = slice(base, {1, 0}, {40, 34}, {2, 2});        // [20, 17]
    auto reversed = slice(base, {39, 33}, {-41, -41}, {-1, -2}); // [40, 17]
    expect_matches(matmul(stepped, transpose(stepped)),
                   reference_matmul(stepped, transpose(stepped)), 17, dtype);
    expect_matches(matmul(transpose(reversed), reversed),
                   reference_matmul(transpose(reversed), reversed), 40, dtype);
    // Broadcast rows (stride 0) and a batch axis swapped with the rows.
    auto bcast = broadcast_to(slice(base, {0, 0}, {1, 34}), {5, 34});
    expect_matches(matmul(bcast, transpose(base)), reference_matmul(bcast, transpose(base)), 34,
                   dtype);
    auto swapped = swapaxes(base3, 0, 1); // [34, 3, 40]
    auto right = random_array({34, 40, 6}, dtype, rng);
    expect_matches(matmul(swapped, right), reference_matmul(swapped, right), 40, dtype);
  }
}

TEST(Matmul, EmptyDimensions) {
  auto a = zeros({0, 4}, float32);
  auto b = ones({4, 3}, float32);
  EXPECT_EQ(matmul(a, b).shape(), (Shape{0, 3}));
  auto c = ones({2, 0}, float32);
  auto d = ones({0, 3}, float32);
  auto e = matmul(c, d); // inner dimension 0: zeros
  EXPECT_EQ(e.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(e), std::vector<double>(6, 0.0));
  auto f = ones({0, 2, 4}, bfloat16);
  EXPECT_EQ(matmul(f, ones({4, 5}, bfloat16)).shape(), (Shape{0, 2, 5}));
  auto g = matmul(ones({3, 0}, bfloat16), ones({0, 2}, bfloat16));
  EXPECT_EQ(values(g), std::vector<double>(6, 0.0));
  // A stack with an empty inner dimension folded into one product.
  auto h = matmul(ones({2, 3, 0}), ones({0, 4}));
  EXPECT_EQ(h.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(values(h), std::vector<double>(24, 0.0));
  auto addmm_empty = addmm(ones({2, 3, 4}), ones({2, 3, 0}), ones({0, 4}), 1.0f, 2.0f);
  EXPECT_EQ(values(addmm_empty), std::vector<double>(24, 2.0));
}

TEST(Matmul, PromotesTypes) {
  std::mt19937 rng(5);
  auto h = random_array({3, 4}, float16, rng);
  auto f = random_array({4, 2}, float32, rng);
  auto bf = random_array({4, 2}, bfloat16, rng);
  auto i = array({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  EXPECT_EQ(matmul(h, f).dtype(), float32);
  EXPECT_EQ(matmul(h, bf).dtype(), float32);
  EXPECT_EQ(matmul(h, i).dtype(), float16);
  expect_matches(matmul(h, f), reference_matmul(h, f), 4, float32);
  expect_matches(matmul(h, i), reference_matmul(h, i), 4, float16);
}

TEST(Matmul, Complex) {
  std::mt19937 rng(6);
  std::uniform_real_distribution<float> dist(-1, 1);
  const int M = 5, K = 7, N = 3;
  std::vector<complex64_t> av(M * K), bv(K * N);
  for (auto& v : av) {
    v = complex64_t(dist(rng), dist(rng));
  }
  for (auto& v : bv) {
    v = complex64_t(dist(rng), dist(rng));
  }
  auto a = array(av.begin(), {M, K}, complex64);
  auto b = array(bv.begin(), {K, N}, complex64);
  auto out = matmul(a, b);
  eval(out);
  ASSERT_EQ(out.dtype(), complex64);
  for (int m = 0; m < M; ++m) {
    for (int n = 0; n < N; ++n) {
      std::complex<double> sum = 0;
      for (int k = 0; k < K; ++k) {
        sum += std::complex<double>(av[m * K + k]) * std::complex<double>(bv[k * N + n]);
      }
      auto got = out.data<complex64_t>()[m * N + n];
      EXPECT_NEAR(got.real(), sum.real(), 1e-5);
      EXPECT_NEAR(got.imag(), sum.imag(), 1e-5);
    }
  }
  // A float operand promotes to complex.
  auto r = matmul(ones({2, M}, float32), a);
  EXPECT_EQ(r.dtype(), complex64);
}

TEST(Matmul, Errors) {
  auto m = ones({3, 4});
  EXPECT_THROW(matmul(array(1.0f), m), std::invalid_argument);
  EXPECT_THROW(matmul(m, array(1.0f)), std::invalid_argument);
  EXPECT_THROW(matmul(m, ones({3, 4})), std::invalid_argument);
  EXPECT_THROW(matmul(ones({5}), m), std::invalid_argument);
  EXPECT_THROW(matmul(ones({2, 3, 4}), ones({3, 4, 5})), std::invalid_argument);
  EXPECT_THROW(matmul(ones({3, 4}, int32), ones({4, 2}, int32)), std::invalid_argument);
  EXPECT_THROW(matmul(ones({3, 4}, bool_), ones({4, 2}, bool_)), std::invalid_argument);
  try {
    matmul(m, ones({3, 4}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[matmul]", 0), 0u) << e.what();
  }
}

TEST(AddMM, MatchesReference) {
  std::mt19937 rng(7);
  // The blocked, per-row and matrix-vector paths each apply beta themselves.
  for (auto [dtype, M, K, N] : {std::tuple{float32, 17, 33, 9},
                                {float64, 17, 33, 9},
                                {float16, 17, 33, 9},
                                {bfloat16, 17, 33, 9},
                                {float16, 3, 20, 5},
                                {bfloat16, 3, 20, 5},
                                {bfloat16, 1, 40, 7},
                                {float32, 1, 40, 7}}) {
    SCOPED_TRACE(testing::Message() << dtype << " " << M << "x" << K << "x" << N);
    auto a = random_array({M, K}, dtype, rng);
    auto b = random_array({K, N}, dtype, rng);
    auto product = reference_matmul(a, b);
    for (auto c_shape : {Shape{M, N}, Shape{N}, Shape{M, 1}, Shape{}}) {
      auto c = random_array(c_shape, dtype, rng);
      auto cb = values(broadcast_to(c, {M, N}));
      for (auto [alpha, beta] : {std::pair{1.0f, 1.0f}, {0.5f, -2.0f}, {2.0f, 0.0f}}) {
        auto ref = product;
        for (size_t i = 0; i < ref.value.size(); ++i) {
          ref.value[i] = alpha * ref.value[i] + beta * cb[i];
          ref.magnitude[i] = std::abs(alpha) * ref.magnitude[i] + std::abs(beta * cb[i]);
        }
        expect_matches(addmm(c, a, b, alpha, beta), ref, K, dtype);
      }
    }
  }
}

TEST(AddMM, BatchedAndVectors) {
  std::mt19937 rng(8);
  auto a = random_array({2, 3, 5, 7}, float32, rng);
  auto b = random_array({7, 4}, float32, rng);
  auto c = random_array({4}, float32, rng);
  auto product = reference_matmul(a, b);
  auto cb = values(broadcast_to(c, product.shape));
  auto ref = product;
  for (size_t i = 0; i < ref.value.size(); ++i) {
    ref.value[i] = 2 * ref.value[i] + 3 * cb[i];
    ref.magnitude[i] = 2 * ref.magnitude[i] + std::abs(3 * cb[i]);
  }
  expect_matches(addmm(c, a, b, 2.0f, 3.0f), ref, 7, float32);

  // Vector operands: c lines up with the result as numpy would shape it.
  auto v = random_array({7}, float32, rng);
  auto m = random_array({7, 4}, float32, rng);
  auto cv = random_array({4}, float32, rng);
  auto pv = reference_matmul(v, m);
  auto cvv = values(cv);
  for (size_t i = 0; i < pv.value.size(); ++i) {
    pv.value[i] += cvv[i];
    pv.magnitude[i] += std::abs(cvv[i]);
  }
  expect_matches(addmm(cv, v, m), pv, 7, float32);
  // Non-contiguous operands.
  auto at = transpose(random_array({7, 5}, float32, rng));
  auto pt = reference_matmul(at, m);
  auto zero = zeros({5, 4});
  expect_matches(addmm(zero, at, m), pt, 7, float32);
}

TEST(AddMM, ComplexAndErrors) {
  auto a = astype(ones({2, 3}), complex64);
  auto out = addmm(ones({2, 2}), a, ones({3, 2}), 2.0f, 1.0f);
  eval(out);
  EXPECT_EQ(out.dtype(), complex64);
  EXPECT_EQ(out.data<complex64_t>()[0], complex64_t(7.0f, 0.0f));

  EXPECT_THROW(addmm(ones({2, 2}), array(1.0f), ones({2, 2})), std::invalid_argument);
  EXPECT_THROW(addmm(ones({2, 2}), ones({2, 3}), ones({2, 2})), std::invalid_argument);
  EXPECT_THROW(addmm(ones({2, 2}, int32), ones({2, 2}, int32), ones({2, 2}, int32)),
               std::invalid_argument);
  EXPECT_THROW(addmm(ones({3, 2}), ones({2, 2}), ones({2, 2})), std::invalid_argument);
  // c may broadcast to the result but not beyond it.
  EXPECT_THROW(addmm(ones({4, 2, 2}), ones({2, 2}), ones({2, 2})), std::invalid_argument);
}

TEST(Tensordot, MatchesLoops) {
  std::mt19937 rng(9);
  auto a = random_array({3, 4, 5}, float32, rng);
  auto b = random_array({4, 5, 6}, float32, rng);
  auto av = values(a), bv = values(b);
  auto check = [&](const array& out) {
    ASSERT_EQ(out.shape(), (Shape{3, 6}));
    auto ov = values(out);
    for (int i = 0; i < 3; ++i) {
      for (int l = 0; l < 6; ++l) {
        double sum = 0;
        for (int j = 0; j < 4; ++j) {
          for (int k = 0; k < 5; ++k) {
            sum += av[(i * 4 + j) * 5 + k] * bv[(j * 5 + k) * 6 + l];
          }
        }
        EXPECT_NEAR(ov[i * 6 + l], sum, 1e-5);
      }
    }
  };
  check(tensordot(a, b, 2));
  check(tensordot(a, b, {1, 2}, {0, 1}));
  check(tensordot(a, b, {-2, -1}, {-3, -2}));
  // Contracted axes in another order pair up element by element.
  auto bs = transpose(b, {1, 0, 2}); // [5, 4, 6]
  check(tensordot(a, bs, {2, 1}, {0, 1}));
  // axis 0 is the outer product.
  EXPECT_EQ(tensordot(a, b, 0).shape(), (Shape{3, 4, 5, 4, 5, 6}));
}

TEST(Tensordot, Errors) {
  auto a = ones({3, 4});
  auto b = ones({4, 5});
  EXPECT_THROW(tensordot(a, b, -1), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, 3), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, 2), std::invalid_argument); // 3x4 vs 4x5
  EXPECT_THROW(tensordot(a, b, {1}, {0, 1}), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, {0}, {0}), std::invalid_argument);
  EXPECT_THROW(tensordot(a, b, {2}, {0}), std::invalid_argument);
  EXPECT_THROW(tensordot(a, ones({4, 4}), {1, 1}, {0, 1}), std::invalid_argument);
}

TEST(OuterInner, MatchLoops) {
  std::mt19937 rng(10);
  auto a = random_array({2, 3}, float32, rng);
  auto b = random_array({4}, float32, rng);
  auto o = outer(a, b);
  ASSERT_EQ(o.shape(), (Shape{6, 4}));
  auto av = values(a), bv = values(b), ov = values(o);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_FLOAT_EQ(ov[i * 4 + j], av[i] * bv[j]);
    }
  }
  EXPECT_EQ(outer(array({1, 2}), array({3, 4})).dtype(), int32);

  auto x = random_array({2, 5}, float32, rng);
  auto y = random_array({3, 5}, float32, rng);
  auto in = inner(x, y);
  ASSERT_EQ(in.shape(), (Shape{2, 3}));
  auto xv = values(x), yv = values(y), iv = values(in);
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      double sum = 0;
      for (int k = 0; k < 5; ++k) {
        sum += xv[i * 5 + k] * yv[j * 5 + k];
      }
      EXPECT_NEAR(iv[i * 3 + j], sum, 1e-6);
    }
  }
  EXPECT_EQ(inner(array(2.0f), x).shape(), x.shape());
  EXPECT_THROW(inner(x, ones({2, 4})), std::invalid_argument);
}
