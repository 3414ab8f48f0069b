// Scatters (assign, add, prod, max, min) and masked_scatter, including duplicate indices on the
// parallel paths and the out-of-range policy (negative indices count once from the end; updates
// whose slice would leave the axis are dropped).
#include <functional>

#include "shapeidx_util.h"

using namespace shapeidx;

namespace {

using Combine = std::function<std::complex<double>(std::complex<double>, std::complex<double>)>;

std::complex<double> assign_ref(std::complex<double>, std::complex<double> x) {
  return x;
}
std::complex<double> add_ref(std::complex<double> y, std::complex<double> x) {
  return y + x;
}
std::complex<double> mul_ref(std::complex<double> y, std::complex<double> x) {
  return y * x;
}
std::complex<double> max_of(std::complex<double> y, std::complex<double> x) {
  bool greater = y.real() > x.real() || (y.real() == x.real() && y.imag() > x.imag());
  return greater ? y : x;
}
std::complex<double> min_of(std::complex<double> y, std::complex<double> x) {
  bool less = y.real() < x.real() || (y.real() == x.real() && y.imag() < x.imag());
  return less ? y : x;
}

// Applies updates[i, s...] at (idx_0[i], ..., idx_k[i]) + s in index order, dropping updates
// whose slice leaves an indexed axis.
Host scatter_ref(Host out, const std::vector<Host>& idx, const Host& upd,
                 const std::vector<int>& axes, const Combine& combine) {
  size_t k = idx.empty() ? 0 : idx[0].shape.size();
  Shape index_shape(upd.shape.begin(), upd.shape.begin() + k);
  Shape slice_shape(upd.shape.begin() + k, upd.shape.end());
  for (int64_t i = 0; i < numel(index_shape); ++i) {
    auto ii = unravel(i, index_shape);
    std::vector<int64_t> origin(out.shape.size(), 0);
    bool inside = true;
    for (size_t j = 0; j < idx.size(); ++j) {
      int ax = axes[j];
      int64_t v = static_cast<int64_t>(idx[j].at(ii).real());
      v = v < 0 ? v + out.shape[ax] : v;
      inside &= v >= 0 && v + slice_shape[ax] <= out.shape[ax];
      origin[ax] = v;
    }
    if (!inside) {
      continue;
    }
    for (int64_t e = 0; e < numel(slice_shape); ++e) {
      auto se = unravel(e, slice_shape);
      auto dst = origin;
      for (size_t d = 0; d < dst.size(); ++d) {
        dst[d] += se[d];
      }
      auto& y = out.at(dst);
      y = combine(y, upd.v[i * numel(slice_shape) + e]);
    }
  }
  return out;
}

} // namespace

TEST(ScatterOps, ScatterRowsEveryDtypeAndLayout) {
  uint32_t seed = 500;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({5, 4}, dtype, seed++);
    auto idx = array({3, -1, 0, 7, 3, -6}); // duplicates, a negative, two out of range
    auto upd = random_array({6, 1, 4}, dtype, seed++);
    auto expected = scatter_ref(Host(a), {Host(idx)}, Host(upd), {0}, assign_ref);
    for (auto layout : all_layouts()) {
      auto out = scatter(with_layout(a, layout), idx, with_layout(upd, layout), 0);
      expect_host(out, expected, dtype,
                  std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
    }
  }
}

TEST(ScatterOps, ReductionsWithDuplicates) {
  struct Case {
    const char* name;
    std::function<array(const array&, const std::vector<array>&, const array&,
                        const std::vector<int>&)>
        op;
    Combine combine;
  };
  std::vector<Case> cases = {
      {"add", [](auto& a, auto& i, auto& u, auto& ax) { return scatter_add(a, i, u, ax); },
       add_ref},
      {"prod", [](auto& a, auto& i, auto& u, auto& ax) { return scatter_prod(a, i, u, ax); },
       mul_ref},
      {"max", [](auto& a, auto& i, auto& u, auto& ax) { return scatter_max(a, i, u, ax); }, max_of},
      {"min", [](auto& a, auto& i, auto& u, auto& ax) { return scatter_min(a, i, u, ax); }, min_of},
  };
  uint32_t seed = 520;
  for (auto dtype : {int32, int64, uint32, float32, float64, complex64, int16}) {
    for (const auto& c : cases) {
      // Small values keep products and sums exact in every dtype.
      auto a = astype(random_indices({4, 3}, 0, 3, seed++), dtype);
      auto rows = random_indices({10}, -4, 3, seed++);
      auto cols = random_indices({10}, 0, 2, seed++, uint8);
      auto upd = astype(random_indices({10, 1, 1}, 0, 3, seed++), dtype);
      auto expected = scatter_ref(Host(a), {Host(rows), Host(cols)}, Host(upd), {0, 1}, c.combine);
      expect_host(c.op(a, {rows, cols}, upd, {0, 1}), expected, dtype,
                  std::string(c.name) + " " + dtype_to_string(dtype));
    }
  }
  // Half types and bool follow the same rules (sum/prod of bools are or/and).
  auto b = scatter_add(array({false, false, true}), array({0, 0}),
                       reshape(array({true, true}), {2, 1}), 0);
  EXPECT_EQ(values(b), (std::vector<double>{1, 0, 1}));
  auto p = scatter_prod(array({true, true}), array({1}), reshape(array({false}), {1, 1}), 0);
  EXPECT_EQ(values(p), (std::vector<double>{1, 0}));
  auto h = scatter_add(zeros({2}, bfloat16), array({1, 1, 1}), full({3, 1}, 0.5f, bfloat16), 0);
  EXPECT_EQ(values(h), (std::vector<double>{0, 1.5}));
  auto m =
      scatter_max(zeros({2}, float16), array({0, 0}), reshape(array({-1.0f, 2.5f}), {2, 1}), 0);
  EXPECT_EQ(m.dtype(), float16);
  EXPECT_EQ(values(m), (std::vector<double>{2.5, 0}));
  // Integer sums wrap around.
  auto w = scatter_add(array({int8_t{120}}, int8), array({0, 0}), full({2, 1}, int8_t{5}, int8), 0);
  EXPECT_EQ(values(w), (std::vector<double>{-126}));
}

TEST(ScatterOps, SlicesAlongSeveralAxes) {
  auto a = random_array({4, 5, 6}, int32, 540);
  auto i0 = random_indices({3, 2}, -4, 3, 541);
  auto i2 = random_indices({1, 2}, -6, 8, 542); // some out of range: dropped
  auto upd = random_array({3, 2, 2, 5, 3}, int32, 543);
  auto expected =
      scatter_ref(Host(a), {Host(broadcast_to(i0, {3, 2})), Host(broadcast_to(i2, {3, 2}))},
                  Host(upd), {0, 2}, assign_ref);
  expect_host(scatter(a, {i0, i2}, upd, {0, 2}), expected, int32, "assign");
  auto expected_add =
      scatter_ref(Host(a), {Host(broadcast_to(i0, {3, 2})), Host(broadcast_to(i2, {3, 2}))},
                  Host(upd), {0, 2}, add_ref);
  expect_host(scatter_add(with_layout(a, Layout::Transposed), {i0, i2}, upd, {0, 2}), expected_add,
              int32, "add transposed");
  // No index arrays: the update is written at the origin.
  auto corner = scatter(zeros({3, 3}), std::vector<array>{}, ones({2, 2}), std::vector<int>{});
  EXPECT_EQ(values(corner), (std::vector<double>{1, 1, 0, 1, 1, 0, 0, 0, 0}));
  // The updates take the array's dtype.
  auto cast = scatter(zeros({3}, int32), array({1}), reshape(array({2.75f}), {1, 1}), 0);
  EXPECT_EQ(cast.dtype(), int32);
  EXPECT_EQ(values(cast), (std::vector<double>{0, 2, 0}));
}

TEST(ScatterOps, OutOfRangeUpdatesAreDroppedWhole) {
  auto a = zeros({5});
  auto out = scatter(a, array({4, 5, -1, -5, -6, 100}), reshape(arange(1.0, 7.0, 1.0), {6, 1}), 0);
  EXPECT_EQ(values(out), (std::vector<double>{4, 0, 0, 0, 3}));
  // A two-element slice starting at the last position would leave the axis: dropped.
  auto wide = scatter(a, array({3, 4}), full({2, 2}, 1.0f), 0);
  EXPECT_EQ(values(wide), (std::vector<double>{0, 0, 0, 1, 1}));
  auto big = scatter_add(a, array({uint64_t{1} << 63, uint64_t{0}}, uint64), ones({2, 1}), 0);
  EXPECT_EQ(values(big), (std::vector<double>{1, 0, 0, 0, 0}));
}

TEST(ScatterOps, LargeScattersAreExactOnEveryPath) {
  // Many scalar updates with heavy duplication: each thread owns a range of the output.
  int n = 300000;
  auto idx = random_indices({n}, -1000, 999, 560);
  auto upd = astype(random_indices({n, 1}, -8, 8, 561), float32);
  auto out = scatter_add(zeros({1000}), idx, upd, 0);
  Host hi(idx), hu(upd);
  std::vector<double> expected(1000, 0.0);
  for (int i = 0; i < n; ++i) {
    int64_t r = static_cast<int64_t>(hi.v[i].real());
    expected[r < 0 ? r + 1000 : r] += hu.v[i].real();
  }
  EXPECT_EQ(values(out), expected);
  // Assignment keeps the last update of each position.
  auto order = reshape(arange(0.0, static_cast<double>(n), 1.0, float32), {n, 1});
  auto last = scatter(zeros({1000}), idx, order, 0);
  std::vector<double> expected_last(1000, 0.0);
  for (int i = 0; i < n; ++i) {
    int64_t r = static_cast<int64_t>(hi.v[i].real());
    expected_last[r < 0 ? r + 1000 : r] = i;
  }
  EXPECT_EQ(values(last), expected_last);
  // Few large slices, each spread over the threads.
  auto rows = array({2, 0, 2, -1});
  auto slab = astype(random_indices({4, 1, 40000}, -5, 5, 562), float32);
  auto big = scatter_add(zeros({3, 40000}), rows, slab, 0);
  auto expected_big = scatter_ref(Host(zeros({3, 40000})), {Host(rows)}, Host(slab), {0}, add_ref);
  expect_host(big, expected_big, float32, "large slices");
}

TEST(ScatterOps, BroadcastTargetsAreExpandedBeforeWriting) {
  auto src = broadcast_to(array(0), {3});
  EXPECT_EQ(values(scatter(src, array({1}), ones({1, 1}, int32), 0)),
            (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(values(scatter_add(broadcast_to(array({1, 2}), {2, 2}), array({0}),
                               ones({1, 1, 2}, int32), 0)),
            (std::vector<double>{2, 3, 1, 2}));
  // put_along_axis broadcasts the target against the indices.
  auto eye3 = put_along_axis(zeros({1, 3}), array({0, 1, 2}, Shape{3, 1}), array(1.0f), 1);
  EXPECT_EQ(values(eye3), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  auto masked =
      masked_scatter(broadcast_to(array(0), {4}), array({false, true, false, true}), array({5, 6}));
  EXPECT_EQ(values(masked), (std::vector<double>{0, 5, 0, 6}));
}

TEST(ScatterOps, ScatterValidates) {
  auto a = zeros({3, 4});
  auto i = array({0, 1});
  auto u = zeros({2, 1, 4});
  EXPECT_THROW(scatter(a, {i, i, i}, zeros({2, 1, 1}), {0, 1, 2}), std::invalid_argument);
  EXPECT_THROW(scatter(a, {i}, u, std::vector<int>{0, 1}), std::invalid_argument);
  EXPECT_THROW(scatter(a, {i, i}, zeros({2, 1, 1}), {1, 1}), std::invalid_argument);
  EXPECT_THROW(scatter(a, i, u, -1), std::invalid_argument);
  EXPECT_THROW(scatter(a, i, u, 2), std::invalid_argument);
  EXPECT_THROW(scatter(a, array({true, false}), u, 0), std::invalid_argument);
  EXPECT_THROW(scatter(a, array({0.0f, 1.0f}), u, 0), std::invalid_argument);
  EXPECT_THROW(scatter(a, {i, array({0, 1, 2})}, zeros({2, 1, 1}), {0, 1}), std::invalid_argument);
  EXPECT_THROW(scatter(a, i, zeros({2, 4}), 0), std::invalid_argument);
  EXPECT_THROW(scatter(a, i, zeros({3, 1, 4}), 0), std::invalid_argument);
  EXPECT_THROW(scatter(a, i, zeros({2, 1, 5}), 0), std::invalid_argument);
  EXPECT_THROW(scatter_add(a, i, zeros({2, 4, 4}), 0), std::invalid_argument);
  EXPECT_THROW(scatter_prod(a, i, zeros({2}), 0), std::invalid_argument);
  EXPECT_THROW(scatter_max(a, i, zeros({2}), 0), std::invalid_argument);
  EXPECT_THROW(scatter_min(a, i, zeros({2}), 0), std::invalid_argument);
  try {
    scatter_add(a, array({0.5f}), zeros({1, 1, 4}), 0);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[scatter_add]", 0), 0u) << e.what();
  }
}

TEST(ScatterOps, MaskedScatter) {
  uint32_t seed = 580;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({3, 4}, dtype, seed++);
    auto mask = astype(random_indices({3, 4}, 0, 1, seed++), bool_);
    auto src = random_array({12}, dtype, seed++);
    Host ha(a), hm(mask), hs(src);
    Host expected = ha;
    int64_t k = 0;
    for (int64_t i = 0; i < 12; ++i) {
      if (hm.v[i].real() != 0) {
        expected.v[i] = hs.v[k++];
      }
    }
    for (auto layout : all_layouts()) {
      expect_host(masked_scatter(with_layout(a, layout), with_layout(mask, layout), src), expected,
                  dtype, std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
    }
  }
}

TEST(ScatterOps, MaskedScatterRowsShortSourcesAndErrors) {
  auto a = zeros({3, 2, 2}, int32);
  auto mask = array({true, false, true});
  // Each true mask position takes one source row over the trailing axes.
  auto rows = masked_scatter(a, mask, reshape(arange(1, 9), {2, 2, 2}));
  EXPECT_EQ(values(rows), (std::vector<double>{1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8}));
  // A source without the row axis is repeated for every position.
  auto repeated = masked_scatter(a, mask, array({7, 9}));
  EXPECT_EQ(values(repeated), (std::vector<double>{7, 9, 7, 9, 0, 0, 0, 0, 7, 9, 7, 9}));
  // Positions past the end of the source keep their values.
  auto full_mask = array({true, true, true, true});
  auto shortsrc = masked_scatter(array({1.0f, 2.0f, 3.0f, 4.0f}), full_mask, array({9.0f, 8.0f}));
  EXPECT_EQ(values(shortsrc), (std::vector<double>{9, 8, 3, 4}));
  auto none = masked_scatter(array({1.0f, 2.0f}), array({false, false}), array({5.0f}));
  EXPECT_EQ(values(none), (std::vector<double>{1, 2}));
  EXPECT_EQ(values(masked_scatter(array({1, 2}), array({true, true}), array(4))),
            (std::vector<double>{4, 4}));
  // Large masks are split into blocks counted in parallel.
  int n = 500000;
  auto big_mask = astype(random_indices({n}, 0, 1, 590), bool_);
  auto big = masked_scatter(zeros({n}, int32), big_mask, arange(1, n + 1));
  Host hm(big_mask);
  auto got = values(big);
  int64_t k = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(got[i], hm.v[i].real() != 0 ? ++k : 0) << i;
  }
  EXPECT_THROW(masked_scatter(a, array({1, 0, 1}), array(1)), std::invalid_argument);
  EXPECT_THROW(masked_scatter(zeros({2}), zeros({2, 1}, bool_), array(1)), std::invalid_argument);
  EXPECT_THROW(masked_scatter(a, array({true, false}), array(1)), std::invalid_argument);
  EXPECT_THROW(masked_scatter(a, mask, zeros({1, 1, 2, 2})), std::invalid_argument);
  EXPECT_THROW(masked_scatter(a, mask, zeros({2, 3, 2})), std::invalid_argument);
}
