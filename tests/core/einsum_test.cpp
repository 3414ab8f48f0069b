// einsum and einsum_path against a direct float64 sum over every index assignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "mlx/mlx.h"

#include "matmul_reference.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

// Evaluates an explicit "ab,bc->ac" (letters only) by looping over all letter values. Letters of
// size 1 in one operand broadcast against the others.
std::pair<Shape, std::vector<double>> reference_einsum(const std::string& subscripts,
                                                       const std::vector<array>& operands) {
  auto arrow = subscripts.find("->");
  std::string out = subscripts.substr(arrow + 2);
  std::vector<std::string> ins;
  std::string lhs = subscripts.substr(0, arrow);
  for (size_t start = 0;;) {
    auto comma = lhs.find(',', start);
    ins.push_back(lhs.substr(start, comma - start));
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  std::map<char, int> dims;
  std::string letters;
  for (size_t i = 0; i < ins.size(); ++i) {
    for (size_t ax = 0; ax < ins[i].size(); ++ax) {
      char c = ins[i][ax];
      int d = operands[i].shape(static_cast<int>(ax));
      if (!dims.count(c)) {
        letters += c;
        dims[c] = d;
      }
      dims[c] = std::max(dims[c], d);
    }
  }
  std::vector<std::vector<double>> vals;
  for (const auto& x : operands) {
    vals.push_back(values(x));
  }
  Shape out_shape;
  for (char c : out) {
    out_shape.push_back(dims[c]);
  }
  size_t out_size = 1;
  for (auto d : out_shape) {
    out_size *= d;
  }
  std::vector<double> result(out_size, 0.0);
  std::map<char, int> idx;
  for (char c : letters) {
    idx[c] = 0;
  }
  while (true) {
    double term = 1;
    for (size_t i = 0; i < ins.size(); ++i) {
      size_t flat = 0;
      for (size_t ax = 0; ax < ins[i].size(); ++ax) {
        int d = operands[i].shape(static_cast<int>(ax));
        flat = flat * d + (d == 1 ? 0 : idx[ins[i][ax]]);
      }
      term *= vals[i][flat];
    }
    size_t flat = 0;
    for (char c : out) {
      flat = flat * dims[c] + idx[c];
    }
    result[flat] += term;
    // Next assignment (odometer over the letters).
    int pos = static_cast<int>(letters.size()) - 1;
    for (; pos >= 0; --pos) {
      if (++idx[letters[pos]] < dims[letters[pos]]) {
        break;
      }
      idx[letters[pos]] = 0;
    }
    if (pos < 0) {
      break;
    }
  }
  return {out_shape, result};
}

void expect_einsum(const std::string& subscripts, const std::vector<array>& operands,
                   const std::string& reference_subscripts, double tol = 1e-5) {
  SCOPED_TRACE(subscripts);
  auto got = einsum(subscripts, operands);
  auto [shape, expected] = reference_einsum(reference_subscripts, operands);
  ASSERT_EQ(got.shape(), shape);
  auto gv = values(got);
  ASSERT_EQ(gv.size(), expected.size());
  for (size_t i = 0; i < gv.size(); ++i) {
    EXPECT_NEAR(gv[i], expected[i], tol * (1 + std::abs(expected[i])));
  }
}

} // namespace

TEST(Einsum, MatrixProducts) {
  std::mt19937 rng(21);
  auto a = random_array({5, 17}, float32, rng);
  auto b = random_array({17, 3}, float32, rng);
  expect_einsum("ij,jk->ik", {a, b}, "ij,jk->ik");
  expect_einsum("ij,jk", {a, b}, "ij,jk->ik");
  expect_einsum("ij,jk->ki", {a, b}, "ij,jk->ki");
  expect_einsum(" i j , j k -> i k ", {a, b}, "ij,jk->ik");
  auto c = random_array({4, 5, 6}, float32, rng);
  auto d = random_array({4, 6, 2}, float32, rng);
  expect_einsum("bij,bjk->bik", {c, d}, "bij,bjk->bik");
  expect_einsum("bij,bjk->ikb", {c, d}, "bij,bjk->ikb");
  expect_einsum("bij,bjk->", {c, d}, "bij,bjk->");
  // Transposed and sliced operands.
  auto at = transpose(random_array({17, 5}, float32, rng));
  auto bs = slice(random_array({17, 6}, float32, rng), {0, 0}, {17, 6}, {1, 2});
  expect_einsum("ij,jk->ik", {at, bs}, "ij,jk->ik");
}

TEST(Einsum, SingleOperand) {
  std::mt19937 rng(22);
  auto m = random_array({4, 4}, float32, rng);
  auto r = random_array({3, 4, 5}, float32, rng);
  expect_einsum("ij->ji", {m}, "ij->ji");
  expect_einsum("ii->i", {m}, "ii->i");
  expect_einsum("ii", {m}, "ii->");
  expect_einsum("ij->", {m}, "ij->");
  expect_einsum("ijk->kj", {r}, "ijk->kj");
  expect_einsum("ijk", {r}, "ijk->ijk");
  expect_einsum("kji", {r}, "kji->ijk"); // implicit output is alphabetical
  auto t = random_array({3, 2, 3}, float32, rng);
  expect_einsum("iji->j", {t}, "iji->j");
  expect_einsum("iji->ij", {t}, "iji->ij");
}

TEST(Einsum, OuterProductsScalarsAndBroadcasting) {
  std::mt19937 rng(23);
  auto v = random_array({3}, float32, rng);
  auto w = random_array({4}, float32, rng);
  auto scalar = random_array({}, float32, rng);
  expect_einsum("i,j->ij", {v, w}, "i,j->ij");
  expect_einsum("i,j", {v, w}, "i,j->ij");
  expect_einsum("i,->i", {v, scalar}, "i,->i");
  expect_einsum("i,i->", {v, v}, "i,i->");
  expect_einsum("i,i->i", {v, v}, "i,i->i");
  // A letter of size 1 broadcasts.
  auto one = random_array({2, 1}, float32, rng);
  auto b = random_array({3, 4}, float32, rng);
  expect_einsum("ij,jk->ik", {one, b}, "ij,jk->ik");
  expect_einsum("ij,ij->ij", {one, random_array({2, 5}, float32, rng)}, "ij,ij->ij");
}

TEST(Einsum, Ellipsis) {
  std::mt19937 rng(24);
  auto a = random_array({2, 1, 3, 4}, float32, rng);
  auto b = random_array({5, 4, 6}, float32, rng);
  expect_einsum("...ij,...jk->...ik", {a, b}, "abij,bjk->abik");
  expect_einsum("...ij,...jk", {a, b}, "abij,bjk->abik");
  auto m = random_array({2, 3, 4}, float32, rng);
  expect_einsum("...i->...", {m}, "abi->ab");
  expect_einsum("i...->...i", {m}, "iab->abi");
  expect_einsum("...->...", {m}, "abc->abc");
}

TEST(Einsum, ManyOperands) {
  std::mt19937 rng(25);
  auto a = random_array({2, 3}, float32, rng);
  auto b = random_array({3, 4}, float32, rng);
  auto c = random_array({4, 5}, float32, rng);
  auto d = random_array({5, 2}, float32, rng);
  expect_einsum("ij,jk,kl->il", {a, b, c}, "ij,jk,kl->il");
  expect_einsum("ij,jk,kl,li->", {a, b, c, d}, "ij,jk,kl,li->");
  expect_einsum("ij,kl,jk->li", {a, c, b}, "ij,kl,jk->li");
  // Outer products only, and a letter shared by three operands.
  auto v = random_array({3}, float32, rng);
  expect_einsum("i,j,k->ijk", {v, v, v}, "i,j,k->ijk");
  expect_einsum("i,i,i->i", {v, v, v}, "i,i,i->i");
  auto x = random_array({3, 2}, float32, rng);
  expect_einsum("ij,ik,il->jkl", {x, x, x}, "ij,ik,il->jkl");
}

TEST(Einsum, HalfAndDoublePrecision) {
  std::mt19937 rng(26);
  auto a = random_array({6, 9}, float64, rng);
  auto b = random_array({9, 7}, float64, rng);
  expect_einsum("ij,jk->ik", {a, b}, "ij,jk->ik", 1e-12);
  auto h = random_array({6, 9}, bfloat16, rng);
  auto g = random_array({9, 7}, bfloat16, rng);
  auto out = einsum("ij,jk->ik", {h, g});
  EXPECT_EQ(out.dtype(), bfloat16);
  expect_einsum("ij,jk->ik", {h, g}, "ij,jk->ik", 2e-2);
}

TEST(Einsum, RandomExpressions) {
  // Random operands over the letters a-e (sizes 1-4, letters sometimes repeated within an
  // operand or of size 1 in one operand only), with random explicit outputs.
  std::mt19937 rng(27);
  const std::string pool = "abcde";
  for (int trial = 0; trial < 300; ++trial) {
    std::map<char, int> size;
    for (char c : pool) {
      size[c] = 1 + static_cast<int>(rng() % 4);
    }
    int n_operands = 1 + static_cast<int>(rng() % 4);
    std::vector<array> operands;
    std::string lhs, used;
    for (int i = 0; i < n_operands; ++i) {
      int rank = static_cast<int>(rng() % 4);
      std::string sub;
      Shape shape;
      for (int ax = 0; ax < rank; ++ax) {
        char c = pool[rng() % pool.size()];
        sub += c;
        // A letter may be broadcast (size 1) in one operand, unless repeated within it.
        bool broadcast = rng() % 5 == 0 && std::count(sub.begin(), sub.end(), c) == 1;
        shape.push_back(broadcast ? 1 : size[c]);
      }
      // Repeated letters within an operand must agree in size.
      for (size_t ax = 0; ax < sub.size(); ++ax) {
        if (sub.find(sub[ax]) != ax) {
          shape[ax] = shape[sub.find(sub[ax])];
        }
      }
      lhs += (i ? "," : "") + sub;
      for (char c : sub) {
        if (used.find(c) == std::string::npos) {
          used += c;
        }
      }
      operands.push_back(random_array(shape, float32, rng));
    }
    std::string out;
    for (char c : used) {
      if (rng() % 2) {
        out += c;
      }
    }
    std::shuffle(out.begin(), out.end(), rng);
    std::string expr = lhs + "->" + out;
    SCOPED_TRACE(expr);
    expect_einsum(expr, operands, expr, 1e-4);
  }
}

TEST(Einsum, PathFollowsGreedyStrategy) {
  auto a = ones({2, 3});
  auto b = ones({3, 4});
  auto c = ones({4, 5});
  auto [path, summary] = einsum_path("ij,jk,kl->il", {a, b, c});
  // Contracting jk with kl first removes the most elements (12 + 20 - 15).
  EXPECT_EQ(path, (std::vector<std::vector<int>>{{1, 2}, {0, 1}}));
  EXPECT_NE(summary.find("Naive scaling:  4"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Optimized scaling:  3"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Naive FLOP count:  360"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Optimized FLOP count:  180"), std::string::npos) << summary;
  EXPECT_EQ(einsum_path("ij,jk", {a, b}).first, (std::vector<std::vector<int>>{{0, 1}}));
}

TEST(Einsum, Errors) {
  auto m = ones({2, 3});
  auto v = ones({3});
  EXPECT_THROW(einsum("ij", {}), std::invalid_argument);
  EXPECT_THROW(einsum("ij,jk", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("i1", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("i.j", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("...i...", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("ijk", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("i", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("ij->ii", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("ii", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("ij->k", {m}), std::invalid_argument);
  EXPECT_THROW(einsum("i,i", {ones({2}), v}), std::invalid_argument);
  EXPECT_THROW(einsum("ij...k", {v}), std::invalid_argument);
  EXPECT_THROW(einsum("ij->j->i", {m}), std::invalid_argument);
  EXPECT_THROW(einsum_path("ij,jk", {m, ones({4, 4})}), std::invalid_argument);
  try {
    einsum("ij,jk", {m});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[einsum]", 0), 0u) << e.what();
  }
  // A contraction of integers goes through matmul, which takes floats only (as MLX).
  EXPECT_THROW(einsum("ij,jk", {ones({2, 3}, int32), ones({3, 2}, int32)}), std::invalid_argument);
  // Without a contraction, integers work.
  auto ints = einsum("i,j->ij", {array({1, 2}), array({3, 4})});
  EXPECT_EQ(values(ints), (std::vector<double>{3, 4, 6, 8}));
}
