// gather_mm (mixture-of-experts routing) against a float64 loop over the index pairs.
#include <gtest/gtest.h>

#include "mlx/mlx.h"

#include "matmul_reference.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// out[i] = a[lhs[i]] @ b[rhs[i]] with a viewed as [count, M, K] and b as [count, K, N].
Reference reference_gather(const array& a, const array& b, const std::vector<int>& lhs,
                           const std::vector<int>& rhs, Shape index_shape) {
  auto av = values(a), bv = values(b);
  const int M = a.shape(-2), K = a.shape(-1), N = b.shape(-1);
  Reference ref;
  ref.shape = std::move(index_shape);
  ref.shape.push_back(M);
  ref.shape.push_back(N);
  for (size_t i = 0; i < lhs.size(); ++i) {
    const double* am = av.data() + static_cast<size_t>(lhs[i]) * M * K;
    const double* bm = bv.data() + static_cast<size_t>(rhs[i]) * K * N;
    for (int m = 0; m < M; ++m) {
      for (int n = 0; n < N; ++n) {
        double sum = 0, mag = 0;
        for (int k = 0; k < K; ++k) {
          sum += am[m * K + k] * bm[k * N + n];
          mag += std::abs(am[m * K + k] * bm[k * N + n]);
        }
        ref.value.push_back(sum);
        ref.magnitude.push_back(mag);
      }
    }
  }
  return ref;
}

std::vector<int> iota_vector(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) {
    v[i] = i;
  }
  return v;
}

} // namespace

TEST(GatherMM, MixtureOfExpertsRouting) {
  std::mt19937 rng(11);
  for (auto dtype : {float32, float64, float16, bfloat16}) {
    SCOPED_TRACE(testing::Message() << dtype);
    const int B = 2, L = 3, top_k = 2, E = 5, D = 33, F = 17;
    // As mlx-lm's SwitchGLU: x [B, L, 1, 1, D], weights [E, F, D] used transposed.
    auto x = random_array({B, L, 1, 1, D}, dtype, rng);
    auto w = random_array({E, F, D}, dtype, rng);
    std::vector<int> experts = {4, 1, 0, 0, 3, 2, 1, 4, 2, 2, 0, 3};
    auto idx = array(experts.begin(), {B, L, top_k}, uint32);
    auto out = gather_mm(x, swapaxes(w, -1, -2), std::nullopt, idx);
    std::vector<int> tokens;
    for (int t = 0; t < B * L; ++t) {
      tokens.push_back(t);
      tokens.push_back(t);
    }
    auto ref = reference_gather(x, swapaxes(w, -1, -2), tokens, experts, {B, L, top_k});
    expect_matches(out, ref, D, dtype);
  }
}

TEST(GatherMM, SortedIndicesShareOneProductPerExpert) {
  std::mt19937 rng(12);
  for (auto dtype : {float32, bfloat16}) {
    SCOPED_TRACE(testing::Message() << dtype);
    const int T = 40, E = 4, D = 65, F = 24;
    auto x = random_array({T, 1, D}, dtype, rng);
    auto w = random_array({E, F, D}, dtype, rng);
    std::vector<int> experts(T);
    for (int t = 0; t < T; ++t) {
      experts[t] = (t * E) / T; // sorted runs of 10
    }
    auto idx = array(experts.begin(), {T}, int32);
    auto wt = swapaxes(w, -1, -2);
    auto ref = reference_gather(x, wt, iota_vector(T), experts, {T});
    expect_matches(gather_mm(x, wt, std::nullopt, idx, true), ref, D, dtype);
    expect_matches(gather_mm(x, wt, std::nullopt, idx, false), ref, D, dtype);
    // Several rows per token (M > 1) and a contiguous [E, D, F] weight.
    auto x2 = random_array({T, 3, D}, dtype, rng);
    auto w2 = random_array({E, D, F}, dtype, rng);
    expect_matches(gather_mm(x2, w2, std::nullopt, idx, true),
                   reference_gather(x2, w2, iota_vector(T), experts, {T}), D, dtype);
  }
}

TEST(GatherMM, ExplicitIndicesOnBothSides) {
  std::mt19937 rng(13);
  const int M = 3, K = 20, N = 7;
  auto a = random_array({2, 3, M, K}, float32, rng); // 6 left matrices
  auto b = random_array({4, K, N}, float32, rng);
  // Repeated rhs with scattered lhs: the rows of a run are gathered.
  std::vector<int> lhs = {5, 0, 2, 2, 1, 3};
  std::vector<int> rhs = {1, 1, 1, 0, 3, 3};
  auto li = array(lhs.begin(), {2, 3}, int64);
  auto ri = array(rhs.begin(), {2, 3}, uint8);
  auto ref = reference_gather(a, b, lhs, rhs, {2, 3});
  expect_matches(gather_mm(a, b, li, ri), ref, K, float32);
  // Transposed left matrices (column-major) and broadcast index arrays.
  auto at = swapaxes(random_array({6, K, M}, float32, rng), -1, -2);
  auto l1 = array({4, 1}, {2, 1}, uint32);
  auto r1 = array({0, 2, 3}, {1, 3}, uint32);
  std::vector<int> lb = {4, 4, 4, 1, 1, 1}, rb = {0, 2, 3, 0, 2, 3};
  expect_matches(gather_mm(at, b, l1, r1), reference_gather(at, b, lb, rb, {2, 3}), K, float32);
  // Only lhs indices: rhs defaults to every matrix of b in order.
  auto lo = array({3, 3, 0, 1}, {4}, uint32);
  expect_matches(gather_mm(a, b, lo, std::nullopt),
                 reference_gather(a, b, {3, 3, 0, 1}, {0, 1, 2, 3}, {4}), K, float32);
}

TEST(GatherMM, VectorOperandsAndNoIndices) {
  std::mt19937 rng(14);
  auto v = random_array({9}, float32, rng);
  auto w = random_array({3, 9, 4}, float32, rng);
  auto idx = array({2, 0}, {2}, uint32);
  auto out = gather_mm(v, w, std::nullopt, idx);
  EXPECT_EQ(out.shape(), (Shape{2, 4}));
  auto ref = reference_gather(reshape(v, {1, 9}), w, {0, 0}, {2, 0}, {2});
  ref.shape = {2, 4};
  expect_matches(out, ref, 9, float32);
  // Without indices gather_mm is matmul.
  auto a = random_array({3, 2, 9}, float32, rng);
  expect_matches(gather_mm(a, w), reference_matmul(a, w), 9, float32);
}

TEST(GatherMM, Errors) {
  auto a = ones({2, 3, 4});
  auto b = ones({5, 4, 6});
  auto idx = array({0, 1}, {2}, uint32);
  EXPECT_THROW(gather_mm(a, ones({5, 3, 6}), std::nullopt, idx), std::invalid_argument);
  EXPECT_THROW(gather_mm(array(1.0f), b, std::nullopt, idx), std::invalid_argument);
  EXPECT_THROW(gather_mm(a, b, std::nullopt, array({0.0f, 1.0f})), std::invalid_argument);
  EXPECT_THROW(gather_mm(a, b, array({true, false}), idx), std::invalid_argument);
  EXPECT_THROW(gather_mm(ones({2, 3, 4}, int32), ones({5, 4, 6}, int32), std::nullopt, idx),
               std::invalid_argument);
  EXPECT_THROW(gather_mm(a, b, array({0, 1, 0}), array({0, 1})), std::invalid_argument);
  // Indices past the last matrix are caught when the product runs.
  auto past = gather_mm(a, b, std::nullopt, array({0, 5}, {2}, uint32));
  EXPECT_THROW(eval(past), std::invalid_argument);
  auto left_past = gather_mm(a, b, array({2}, {1}, uint32), array({0}, {1}, uint32));
  EXPECT_THROW(eval(left_past), std::invalid_argument);
}
