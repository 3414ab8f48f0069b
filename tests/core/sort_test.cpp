// sort, argsort, partition, argpartition, topk and searchsorted against references built with
// the standard algorithms on float64 copies: every dtype, every axis, strided inputs, NaNs,
// ties (stability), empty arrays and the error paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "mlx/mlx.h"

using namespace mlx::core;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

template <typename T>
std::vector<T> values(const array& x) {
  auto c = contiguous(x);
  c.eval();
  return std::vector<T>(c.data<T>(), c.data<T>() + c.size());
}

std::vector<double> as_doubles(const array& x) {
  return values<double>(astype(x, float64));
}

bool nan_last_less(double a, double b) {
  if (std::isnan(a)) {
    return false;
  }
  if (std::isnan(b)) {
    return true;
  }
  return a < b;
}

// Equality that treats NaN as equal to NaN.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

void expect_same(const std::vector<double>& got, const std::vector<double>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(same(got[i], want[i]))
        << what << " at " << i << ": " << got[i] << " vs " << want[i];
  }
}

// The element offsets (row-major) of every line along `axis` of `shape`.
std::vector<std::vector<int64_t>> lines(const Shape& shape, int axis) {
  int64_t stride = 1;
  for (size_t i = axis + 1; i < shape.size(); ++i) {
    stride *= shape[i];
  }
  int64_t outer = 1;
  for (int i = 0; i < axis; ++i) {
    outer *= shape[i];
  }
  std::vector<std::vector<int64_t>> out;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < stride; ++in) {
      std::vector<int64_t> line;
      for (int64_t i = 0; i < shape[axis]; ++i) {
        line.push_back((o * shape[axis] + i) * stride + in);
      }
      out.push_back(line);
    }
  }
  return out;
}

// Stable sort (values and indices) of each line of a row-major buffer.
struct SortRef {
  std::vector<double> sorted;
  std::vector<double> indices;
};

SortRef sort_ref(const std::vector<double>& x, const Shape& shape, int axis) {
  SortRef ref{x, std::vector<double>(x.size())};
  for (const auto& line : lines(shape, axis)) {
    std::vector<int64_t> order(line.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return nan_last_less(x[line[a]], x[line[b]]); });
    for (size_t i = 0; i < line.size(); ++i) {
      ref.sorted[line[i]] = x[line[order[i]]];
      ref.indices[line[i]] = static_cast<double>(order[i]);
    }
  }
  return ref;
}

// std::nth_element on each line, with the comparators MLX's CPU kernels use.
SortRef partition_ref(const std::vector<double>& x, const Shape& shape, int axis, int kth) {
  SortRef ref{x, std::vector<double>(x.size())};
  for (const auto& line : lines(shape, axis)) {
    std::vector<double> vals;
    std::vector<std::pair<double, int64_t>> entries;
    for (size_t i = 0; i < line.size(); ++i) {
      vals.push_back(x[line[i]]);
      entries.push_back({x[line[i]], static_cast<int64_t>(i)});
    }
    std::nth_element(vals.begin(), vals.begin() + kth, vals.end(), nan_last_less);
    std::nth_element(entries.begin(), entries.begin() + kth, entries.end(),
                     [](const auto& a, const auto& b) {
                       if (std::isnan(a.first)) {
                         return false;
                       }
                       if (std::isnan(b.first)) {
                         return true;
                       }
                       return a.first < b.first || (a.first == b.first && a.second < b.second);
                     });
    for (size_t i = 0; i < line.size(); ++i) {
      ref.sorted[line[i]] = vals[i];
      ref.indices[line[i]] = static_cast<double>(entries[i].second);
    }
  }
  return ref;
}

// Small integers (many ties) that every dtype holds exactly.
std::vector<double> test_data(size_t n, Dtype dtype, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(-20, 20);
  std::vector<double> out(n);
  for (auto& v : out) {
    int r = dist(gen);
    if (dtype == bool_) {
      v = r & 1;
    } else if (issubdtype(dtype, unsignedinteger)) {
      v = r + 20;
    } else if (issubdtype(dtype, floating)) {
      v = r / 4.0;
    } else {
      v = r;
    }
  }
  return out;
}

array make(const std::vector<double>& data, const Shape& shape, Dtype dtype) {
  return astype(array(data.data(), shape, float64), dtype);
}

const std::vector<Dtype> kRealTypes = {bool_, uint8, uint16,  uint32,  uint64,  int8,    int16,
                                       int32, int64, float16, float32, float64, bfloat16};

} // namespace

TEST(Sort, EveryRealDtypeEveryAxis) {
  Shape shape = {5, 7, 6};
  for (Dtype t : kRealTypes) {
    auto data = test_data(5 * 7 * 6, t, 1);
    auto x = make(data, shape, t);
    for (int axis : {0, 1, 2, -1, -3}) {
      int ax = axis < 0 ? axis + 3 : axis;
      auto ref = sort_ref(data, shape, ax);
      auto s = sort(x, axis);
      EXPECT_EQ(s.dtype(), t);
      EXPECT_EQ(s.shape(), shape);
      expect_same(as_doubles(s), ref.sorted, std::string("sort ") + dtype_to_string(t));
      auto i = argsort(x, axis);
      EXPECT_EQ(i.dtype(), uint32);
      EXPECT_EQ(i.shape(), shape);
      expect_same(as_doubles(i), ref.indices, std::string("argsort ") + dtype_to_string(t));
    }
  }
}

TEST(Sort, FlattenedOverloads) {
  auto data = test_data(24, float32, 2);
  auto x = make(data, {2, 3, 4}, float32);
  auto ref = sort_ref(data, {24}, 0);
  EXPECT_EQ(sort(x).shape(), Shape{24});
  expect_same(as_doubles(sort(x)), ref.sorted, "sort");
  expect_same(as_doubles(argsort(x)), ref.indices, "argsort");
  // A scalar flattens to one element.
  EXPECT_EQ(sort(array(3.0f)).shape(), Shape{1});
  EXPECT_EQ(sort(array(3.0f)).item<float>(), 3.0f);
}

TEST(Sort, NaNsGoLastAndTiesKeepTheirOrder) {
  std::vector<double> data = {3, kNaN, 1, kNaN, -kInf, 2, kInf, -0.0, 0.0, 1};
  for (Dtype t : {float16, bfloat16, float32, float64}) {
    auto x = make(data, {10}, t);
    expect_same(as_doubles(sort(x)), {-kInf, -0.0, 0.0, 1, 1, 2, 3, kInf, kNaN, kNaN},
                dtype_to_string(t));
    expect_same(as_doubles(argsort(x)), {4, 7, 8, 2, 9, 5, 0, 6, 1, 3}, dtype_to_string(t));
  }
  // -0.0 and 0.0 compare equal: their order is the input's.
  auto z = sort(array({0.0f, -0.0f}));
  auto zv = values<float>(z);
  EXPECT_FALSE(std::signbit(zv[0]));
  EXPECT_TRUE(std::signbit(zv[1]));
}

TEST(Sort, StridedInputs) {
  auto data = test_data(6 * 8 * 5, float32, 3);
  auto base = make(data, {6, 8, 5}, float32);
  std::vector<std::pair<std::string, array>> views = {
      {"transposed", transpose(base, {2, 0, 1})},
      {"stepped", slice(base, Shape{1, 0, 0}, Shape{6, 8, 5}, Shape{2, 3, 1})},
      {"broadcast", broadcast_to(slice(base, Shape{0, 0, 0}, Shape{1, 8, 5}), {4, 8, 5})},
      {"swapped", swapaxes(base, 0, 2)},
  };
  for (auto& [name, v] : views) {
    auto flat = as_doubles(v); // row-major copy, the reference's input
    for (int axis = 0; axis < static_cast<int>(v.ndim()); ++axis) {
      auto ref = sort_ref(flat, v.shape(), axis);
      expect_same(as_doubles(sort(v, axis)), ref.sorted, name + " sort");
      expect_same(as_doubles(argsort(v, axis)), ref.indices, name + " argsort");
      auto part = partition_ref(flat, v.shape(), axis, 1);
      expect_same(as_doubles(partition(v, 1, axis)), part.sorted, name + " partition");
      expect_same(as_doubles(argpartition(v, 1, axis)), part.indices, name + " argpartition");
    }
  }
}

TEST(Sort, LongRowsAndManyRows) {
  // Enough rows to spread over the thread pool, and rows long enough to matter.
  std::mt19937 gen(4);
  std::normal_distribution<float> dist;
  for (Shape shape : {Shape{300, 257}, Shape{3, 40001}}) {
    std::vector<double> data(shape[0] * shape[1]);
    for (auto& v : data) {
      v = dist(gen);
    }
    auto x = make(data, shape, float32);
    for (int axis : {0, 1}) {
      auto ref = sort_ref(data, shape, axis);
      expect_same(as_doubles(sort(x, axis)), ref.sorted, "sort");
      expect_same(as_doubles(argsort(x, axis)), ref.indices, "argsort");
    }
  }
}

TEST(Sort, LongRowsOfEveryDtypeWithSpecialValues) {
  // Rows of 1000 take the radix path, columns of 3 the comparison path; both must give the
  // same stable order.
  Shape shape = {3, 1000};
  for (Dtype t : kRealTypes) {
    auto data = test_data(3000, t, 9);
    if (issubdtype(t, floating)) {
      for (size_t i = 0; i < data.size(); i += 37) {
        data[i] = std::vector<double>{kNaN, -kNaN, kInf, -kInf, 0.0, -0.0}[(i / 37) % 6];
      }
    }
    if (t == int64 || t == uint64) {
      data[5] = t == int64 ? -9.0e18 : 1.8e19; // beyond 32 bits
      data[6] = 9.0e18;
    }
    auto x = make(data, shape, t);
    auto xs = as_doubles(x);
    for (int axis : {1, 0}) {
      auto ref = sort_ref(xs, shape, axis);
      expect_same(as_doubles(sort(x, axis)), ref.sorted, std::string("sort ") + dtype_to_string(t));
      expect_same(as_doubles(argsort(x, axis)), ref.indices,
                  std::string("argsort ") + dtype_to_string(t));
    }
  }
}

TEST(Sort, RadixKeepsZerosInInputOrderAndNaNPayloads) {
  std::vector<float> data(600);
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = (i % 3 == 0) ? -0.0f : (i % 3 == 1 ? 0.0f : static_cast<float>(i % 7) - 3.0f);
  }
  data[10] = -std::numeric_limits<float>::quiet_NaN();
  auto x = array(data.data(), {600}, float32);
  auto s = values<float>(sort(x));
  auto idx = values<uint32_t>(argsort(x));
  std::vector<bool> zero_signs_in;
  for (float v : data) {
    if (v == 0.0f) {
      zero_signs_in.push_back(std::signbit(v));
    }
  }
  std::vector<bool> zero_signs_out;
  for (float v : s) {
    if (v == 0.0f) {
      zero_signs_out.push_back(std::signbit(v));
    }
  }
  EXPECT_EQ(zero_signs_out, zero_signs_in);
  EXPECT_TRUE(std::isnan(s.back()));
  EXPECT_TRUE(std::signbit(s.back())); // the value itself, not a canonical NaN
  EXPECT_EQ(idx.back(), 10u);
}

TEST(Sort, Complex64IsLexicographic) {
  std::vector<complex64_t> data = {{1, 2}, {0, 5}, {1, -1}, {-3, 0}, {1, 2}, {0, -5}};
  auto x = array(data.data(), {6}, complex64);
  auto s = values<complex64_t>(sort(x));
  std::vector<complex64_t> want = {{-3, 0}, {0, -5}, {0, 5}, {1, -1}, {1, 2}, {1, 2}};
  EXPECT_EQ(s, want);
  EXPECT_EQ(sort(x).dtype(), complex64);
  EXPECT_EQ(values<uint32_t>(argsort(x)), (std::vector<uint32_t>{3, 5, 1, 2, 0, 4}));
  auto p = values<complex64_t>(partition(x, 2));
  EXPECT_EQ(p[2], (complex64_t{0, 5}));
  auto top = values<complex64_t>(sort(topk(x, 2)));
  EXPECT_EQ(top, (std::vector<complex64_t>{{1, 2}, {1, 2}}));
}

TEST(Sort, EmptyArrays) {
  auto e = zeros({0, 3});
  EXPECT_EQ(sort(e, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(sort(e, 1).size(), 0u);
  EXPECT_EQ(argsort(e, 1).dtype(), uint32);
  EXPECT_EQ(values<uint32_t>(argsort(e, 0)).size(), 0u);
  EXPECT_EQ(sort(zeros({0})).size(), 0u);
  EXPECT_EQ(topk(zeros({0}), 0).size(), 0u);
}

TEST(Sort, Errors) {
  auto x = zeros({3, 4});
  EXPECT_THROW(sort(x, 2), std::invalid_argument);
  EXPECT_THROW(sort(x, -3), std::invalid_argument);
  EXPECT_THROW(argsort(x, 2), std::invalid_argument);
  EXPECT_THROW(argsort(x, -3), std::invalid_argument);
  EXPECT_THROW(sort(array(1.0f), 0), std::invalid_argument);
}

TEST(SortErrors, MessagesNameTheOp) {
  auto x = zeros({3, 4});
  auto expect_op_error = [](const char* op, auto&& f) {
    try {
      f();
      ADD_FAILURE() << "no exception from " << op;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).rfind(std::string("[") + op + "]", 0), 0u) << e.what();
    }
  };
  expect_op_error("sort", [&] { sort(x, 2); });
  expect_op_error("argsort", [&] { argsort(x, 5); });
  expect_op_error("partition", [&] { partition(x, 4, 1); });
  expect_op_error("partition", [&] { partition(x, 0, 3); });
  expect_op_error("argpartition", [&] { argpartition(x, -5, 1); });
  expect_op_error("topk", [&] { topk(x, 5, 1); });
  expect_op_error("topk", [&] { topk(x, 1, 2); });
  expect_op_error("searchsorted", [&] { searchsorted(array(1.0f), x); });
  expect_op_error("searchsorted", [&] { searchsorted(x, zeros({2, 4})); });
}

TEST(Partition, EveryRealDtypeMatchesNthElement) {
  Shape shape = {4, 9, 5};
  for (Dtype t : kRealTypes) {
    auto data = test_data(4 * 9 * 5, t, 5);
    auto x = make(data, shape, t);
    for (int axis : {0, 1, 2}) {
      for (int kth : {0, 2, -1, -2}) {
        int k = kth < 0 ? kth + shape[axis] : kth;
        auto ref = partition_ref(data, shape, axis, k);
        auto p = partition(x, kth, axis);
        EXPECT_EQ(p.dtype(), t);
        auto pv = as_doubles(p);
        expect_same(pv, ref.sorted, std::string("partition ") + dtype_to_string(t));
        auto ip = argpartition(x, kth, axis);
        EXPECT_EQ(ip.dtype(), uint32);
        auto iv = as_doubles(ip);
        expect_same(iv, ref.indices, std::string("argpartition ") + dtype_to_string(t));
        // The partition property, independent of the algorithm.
        auto sorted = sort_ref(data, shape, axis).sorted;
        for (const auto& line : lines(shape, axis)) {
          std::vector<int64_t> order;
          for (auto e : line) {
            order.push_back(static_cast<int64_t>(iv[e]));
          }
          std::sort(order.begin(), order.end());
          for (int i = 0; i < shape[axis]; ++i) {
            ASSERT_EQ(order[i], i); // the indices are a permutation
          }
          double pivot = pv[line[k]];
          ASSERT_TRUE(same(pivot, sorted[line[k]]));
          for (int i = 0; i < shape[axis]; ++i) {
            double v = pv[line[i]];
            double w = data[line[static_cast<int>(iv[line[i]])]]; // via the indices
            ASSERT_TRUE(i < k ? !nan_last_less(pivot, v) : !nan_last_less(v, pivot));
            ASSERT_TRUE(i < k ? !nan_last_less(pivot, w) : !nan_last_less(w, pivot));
            ASSERT_TRUE(i != k || same(w, pivot));
          }
        }
      }
    }
  }
}

TEST(Partition, FlattenedAndNaN) {
  std::vector<double> data = {5, kNaN, -1, 7, kNaN, 2, 0};
  auto x = make(data, {7}, float32);
  auto p = as_doubles(partition(x, 4));
  EXPECT_EQ(p[4], 7.0);
  auto p5 = as_doubles(partition(reshape(x, {7, 1}), 5));
  EXPECT_TRUE(std::isnan(p5[5]) && std::isnan(p5[6]));
  auto ip = values<uint32_t>(argpartition(x, -3));
  EXPECT_EQ(ip[4], 3u);
}

TEST(Partition, Errors) {
  auto x = zeros({3, 4});
  EXPECT_THROW(partition(x, 4, 1), std::invalid_argument);
  EXPECT_THROW(partition(x, -5, 1), std::invalid_argument);
  EXPECT_THROW(partition(x, 0, 2), std::invalid_argument);
  EXPECT_THROW(argpartition(x, 3, 0), std::invalid_argument);
  EXPECT_THROW(argpartition(x, -4, 0), std::invalid_argument);
  EXPECT_THROW(argpartition(x, 0, -3), std::invalid_argument);
  EXPECT_THROW(partition(x, 12), std::invalid_argument);
  EXPECT_THROW(partition(zeros({0}), 0), std::invalid_argument);
}

TEST(TopK, TheKLargestAlongAnAxis) {
  Shape shape = {6, 11};
  for (Dtype t : {int32, uint8, float32, float16, bfloat16, float64, int64}) {
    auto data = test_data(66, t, 7);
    auto x = make(data, shape, t);
    for (int axis : {0, 1, -1}) {
      int ax = axis < 0 ? axis + 2 : axis;
      for (int k : {1, 3, shape[ax] - 1}) {
        auto top = topk(x, k, axis);
        EXPECT_EQ(top.dtype(), t);
        Shape want_shape = shape;
        want_shape[ax] = k;
        EXPECT_EQ(top.shape(), want_shape);
        // As a multiset: the last k of the sorted line. The order is the partition's (MLX
        // returns the k largest unsorted), checked exactly against it.
        auto sorted_top = as_doubles(sort(top, axis));
        auto full = sort_ref(data, shape, ax).sorted;
        auto got_lines = lines(want_shape, ax);
        auto full_lines = lines(shape, ax);
        for (size_t l = 0; l < got_lines.size(); ++l) {
          for (int i = 0; i < k; ++i) {
            ASSERT_EQ(sorted_top[got_lines[l][i]], full[full_lines[l][shape[ax] - k + i]]);
          }
        }
        auto part = partition_ref(data, shape, ax, shape[ax] - k).sorted;
        auto tv = as_doubles(top);
        for (size_t l = 0; l < got_lines.size(); ++l) {
          for (int i = 0; i < k; ++i) {
            ASSERT_EQ(tv[got_lines[l][i]], part[full_lines[l][shape[ax] - k + i]]);
          }
        }
      }
    }
  }
  auto v = array({3, 9, 1, 7, 5});
  auto t3 = values<int32_t>(sort(topk(v, 3)));
  EXPECT_EQ(t3, (std::vector<int32_t>{5, 7, 9}));
  EXPECT_EQ(topk(v, 0).shape(), Shape{0});
  // k equal to the axis returns the input itself.
  EXPECT_EQ(values<int32_t>(topk(v, 5)), (std::vector<int32_t>{3, 9, 1, 7, 5}));
  EXPECT_EQ(topk(reshape(v, {5, 1}), 2).shape(), Shape{2});
}

TEST(TopK, Errors) {
  auto x = zeros({3, 4});
  EXPECT_THROW(topk(x, 5, 1), std::invalid_argument);
  EXPECT_THROW(topk(x, -1, 1), std::invalid_argument);
  EXPECT_THROW(topk(x, 1, 2), std::invalid_argument);
  EXPECT_THROW(topk(x, 1, -3), std::invalid_argument);
  EXPECT_THROW(topk(x, 13), std::invalid_argument);
}

TEST(SearchSorted, MatchesLowerAndUpperBound) {
  std::vector<double> sorted = {-3, -1, -1, 0, 2, 2, 2, 5, 8, kInf, kNaN};
  std::vector<double> queries = {-5, -3, -1, -0.5, 0, 2, 3, 8, 9, kInf, -kInf, kNaN};
  auto bound = [&](double q, bool right) {
    auto it = right ? std::upper_bound(sorted.begin(), sorted.end(), q, nan_last_less)
                    : std::lower_bound(sorted.begin(), sorted.end(), q, nan_last_less);
    return static_cast<double>(it - sorted.begin());
  };
  for (Dtype t : {float32, float64, float16, bfloat16}) {
    auto a = make(sorted, {11}, t);
    auto v = make(queries, {3, 4}, t);
    for (bool right : {false, true}) {
      auto out = searchsorted(a, v, right);
      EXPECT_EQ(out.dtype(), uint32);
      EXPECT_EQ(out.shape(), (Shape{3, 4}));
      auto got = as_doubles(out);
      for (size_t i = 0; i < queries.size(); ++i) {
        EXPECT_EQ(got[i], bound(queries[i], right))
            << dtype_to_string(t) << " " << right << " " << queries[i];
      }
    }
  }
  // Integers, with v promoted against a (int32 against float32 compares as float).
  auto ai = array({1, 3, 3, 7});
  EXPECT_EQ(values<uint32_t>(searchsorted(ai, array({0, 3, 4, 8}))),
            (std::vector<uint32_t>{0, 1, 3, 4}));
  EXPECT_EQ(values<uint32_t>(searchsorted(ai, array({0, 3, 4, 8}), true)),
            (std::vector<uint32_t>{0, 3, 3, 4}));
  EXPECT_EQ(values<uint32_t>(searchsorted(ai, array({2.5f, 3.0f}))), (std::vector<uint32_t>{1, 1}));
  EXPECT_EQ(searchsorted(ai, array(5)).shape(), Shape{});
  EXPECT_EQ(searchsorted(ai, array(5)).item<uint32_t>(), 3u);
  // Complex values order lexicographically, as in sort.
  std::vector<complex64_t> ca = {{0, 1}, {1, 0}, {1, 2}};
  std::vector<complex64_t> cv = {{1, 1}, {1, 0}, {-1, 5}};
  EXPECT_EQ(values<uint32_t>(
                searchsorted(array(ca.data(), {3}, complex64), array(cv.data(), {3}, complex64))),
            (std::vector<uint32_t>{2, 1, 0}));
  EXPECT_EQ(values<uint32_t>(searchsorted(zeros({0}), array({1.0f, 2.0f}))),
            (std::vector<uint32_t>{0, 0}));
}

TEST(SearchSorted, RowsOfAnNdArrayAndStridedInputs) {
  // Each row of `a` serves the same row of `v`.
  auto a = array({0.0f, 1.0f, 2.0f, 3.0f, 10.0f, 20.0f, 30.0f, 40.0f}, {2, 4});
  auto v = array({1.5f, 35.0f, 15.0f, 2.5f, 35.0f, 15.0f}, {2, 3});
  EXPECT_EQ(values<uint32_t>(searchsorted(a, v)), (std::vector<uint32_t>{2, 4, 4, 0, 3, 1}));
  // Strided: a reversed-by-transpose layout and v transposed.
  auto at = transpose(array({0.0f, 10.0f, 1.0f, 20.0f, 2.0f, 30.0f, 3.0f, 40.0f}, {4, 2}));
  auto vt = transpose(array({1.5f, 2.5f, 35.0f, 35.0f, 15.0f, 15.0f}, {3, 2}));
  EXPECT_EQ(values<uint32_t>(searchsorted(at, vt, true)),
            (std::vector<uint32_t>{2, 4, 4, 0, 3, 1}));
  auto big = sort(random::uniform({5000}, random::key(1)));
  auto q = random::uniform({777}, random::key(2));
  auto bv = values<float>(big);
  auto qv = values<float>(q);
  auto got = values<uint32_t>(searchsorted(big, q));
  for (size_t i = 0; i < qv.size(); ++i) {
    ASSERT_EQ(got[i], std::lower_bound(bv.begin(), bv.end(), qv[i]) - bv.begin());
  }
}

TEST(SearchSorted, Errors) {
  EXPECT_THROW(searchsorted(array(1.0f), array(1.0f)), std::invalid_argument);
  EXPECT_THROW(searchsorted(zeros({2, 4}), zeros({3, 2})), std::invalid_argument);
  EXPECT_THROW(searchsorted(zeros({2, 4}), zeros({2})), std::invalid_argument);
  EXPECT_THROW(searchsorted(zeros({2, 4}), zeros({2, 2, 2})), std::invalid_argument);
}
