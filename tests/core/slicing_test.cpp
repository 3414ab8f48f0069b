// Slices (static and with run-time starts), slice updates, and diagonals.
#include <optional>

#include "shapeidx_util.h"

using namespace shapeidx;

namespace {

// Python's slice(start, stop, step).indices(n), listed.
std::vector<int64_t> py_range(int64_t start, int64_t stop, int64_t step, int64_t n) {
  auto norm = [n](int64_t v, int64_t lo, int64_t hi) {
    if (v < 0) {
      v += n;
    }
    return std::clamp(v, lo, hi);
  };
  std::vector<int64_t> out;
  if (step > 0) {
    for (int64_t i = norm(start, 0, n); i < norm(stop, 0, n); i += step) {
      out.push_back(i);
    }
  } else {
    for (int64_t i = norm(start, -1, n - 1); i > norm(stop, -1, n - 1); i += step) {
      out.push_back(i);
    }
  }
  return out;
}

struct SliceRef {
  std::vector<std::vector<int64_t>> picks; // per axis, the input positions read
  Shape shape;
};

SliceRef slice_ref(const Shape& in, const Shape& start, const Shape& stop, const Shape& strides) {
  SliceRef r;
  for (size_t d = 0; d < in.size(); ++d) {
    r.picks.push_back(py_range(start[d], stop[d], strides[d], in[d]));
    r.shape.push_back(static_cast<ShapeElem>(r.picks.back().size()));
  }
  return r;
}

Host gather_slice(const Host& in, const SliceRef& r) {
  Host out(r.shape, 0);
  for (int64_t i = 0; i < numel(r.shape); ++i) {
    auto idx = unravel(i, r.shape);
    for (size_t d = 0; d < idx.size(); ++d) {
      idx[d] = r.picks[d][idx[d]];
    }
    out.v[i] = in.at(idx);
  }
  return out;
}

} // namespace

TEST(SliceOps, StaticSlicesMatchPythonForEveryDtypeAndLayout) {
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> pos(-9, 9);
  std::uniform_int_distribution<int> step(-3, 3);
  uint32_t seed = 300;
  Shape shape = {5, 7};
  for (auto dtype : all_dtypes()) {
    auto a = random_array(shape, dtype, seed++);
    Host ha(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      for (int trial = 0; trial < 12; ++trial) {
        Shape start = {pos(gen), pos(gen)};
        Shape stop = {pos(gen), pos(gen)};
        Shape strides = {step(gen), step(gen)};
        for (auto& s : strides) {
          s = s == 0 ? 1 : s;
        }
        auto r = slice_ref(shape, start, stop, strides);
        expect_host(slice(x, start, stop, strides), gather_slice(ha, r), dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      }
    }
  }
}

TEST(SliceOps, StaticSliceViewsAndErrors) {
  auto a = reshape(arange(24), {4, 6});
  eval(a);
  auto s = slice(a, {1, 5}, {4, 0}, {2, -2});
  eval(s);
  EXPECT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(values(s), (std::vector<double>{11, 9, 7, 23, 21, 19}));
  EXPECT_TRUE(shares_buffer(s, a, 11));
  EXPECT_EQ(slice(a, {0, 0}, {4, 6}).id(), a.id());
  EXPECT_EQ(slice(a, {-100, 2}, {100, 3}).shape(), (Shape{4, 1}));
  EXPECT_EQ(slice(a, {3, 0}, {1, 6}).shape(), (Shape{0, 6}));
  EXPECT_EQ(slice(array(1), {}, {}).shape(), Shape{});
  EXPECT_THROW(slice(a, {0}, {4, 6}), std::invalid_argument);
  EXPECT_THROW(slice(a, {0, 0}, {4, 6}, {1}), std::invalid_argument);
  EXPECT_THROW(slice(a, {0, 0}, {4, 6}, {1, 0}), std::invalid_argument);
}

TEST(SliceOps, DynamicSliceReadsStartsAtRunTime) {
  uint32_t seed = 320;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({5, 6, 3}, dtype, seed++);
    Host ha(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      for (auto idx_dtype : {int32, uint8, int64, uint64}) {
        // The start comes out of a computation, so it is only known when evaluated.
        auto start = astype(array({1, 2}) + array(1), idx_dtype); // (2, 3)
        auto out = slice(x, start, {0, 1}, {2, 3, 3});
        auto r = slice_ref({5, 6, 3}, {2, 3, 0}, {4, 6, 3}, {1, 1, 1});
        expect_host(out, gather_slice(ha, r), dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      }
    }
  }
}

TEST(SliceOps, DynamicSliceWrapsAndClampsStarts) {
  auto a = arange(10);
  auto at = [&](int start) { return values(slice(a, array(start), {0}, {3})); };
  EXPECT_EQ(at(4), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(at(9), (std::vector<double>{7, 8, 9}));     // clamped so the window fits
  EXPECT_EQ(at(1000), (std::vector<double>{7, 8, 9}));  // far past the end
  EXPECT_EQ(at(-2), (std::vector<double>{7, 8, 9}));    // -2 is 8, then clamped
  EXPECT_EQ(at(-4), (std::vector<double>{6, 7, 8}));    // counts from the end
  EXPECT_EQ(at(-1000), (std::vector<double>{0, 1, 2})); // clamped to 0
  auto big = values(slice(a, array(uint64_t{1} << 63, uint64), {0}, {2}));
  EXPECT_EQ(big, (std::vector<double>{8, 9}));
  // A view of the input.
  auto m = reshape(arange(12), {3, 4});
  eval(m);
  auto v = slice(m, array({1}), {-1}, {3, 2});
  eval(v);
  EXPECT_TRUE(shares_buffer(v, m, 1));
  EXPECT_EQ(values(v), (std::vector<double>{1, 2, 5, 6, 9, 10}));
  EXPECT_EQ(slice(m, array(2), {0}, {0, 4}).size(), 0u);
  EXPECT_THROW(slice(m, reshape(array({1}), {1, 1}), {0}, {1, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1, 2}), {0}, {1, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1.0f}), {0}, {1, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1}), {2}, {1, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1, 1}), {0, -2}, {1, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1}), {0}, {1}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1}), {0}, {4, 4}), std::invalid_argument);
  EXPECT_THROW(slice(m, array({1}), {0}, {-1, 4}), std::invalid_argument);
}

TEST(SliceOps, SliceUpdateMatchesReference) {
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> pos(-7, 7);
  std::uniform_int_distribution<int> step(-3, 3);
  uint32_t seed = 340;
  Shape shape = {4, 6};
  for (auto dtype : all_dtypes()) {
    auto a = random_array(shape, dtype, seed++);
    Host ha(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      for (int trial = 0; trial < 6; ++trial) {
        Shape start = {pos(gen), pos(gen)};
        Shape stop = {pos(gen), pos(gen)};
        Shape strides = {step(gen), step(gen)};
        for (auto& s : strides) {
          s = s == 0 ? -1 : s;
        }
        auto r = slice_ref(shape, start, stop, strides);
        auto upd = random_array(r.shape, dtype, seed++);
        Host hu(upd), expected = ha;
        for (int64_t i = 0; i < numel(r.shape); ++i) {
          auto idx = unravel(i, r.shape);
          auto dst = idx;
          for (size_t d = 0; d < dst.size(); ++d) {
            dst[d] = r.picks[d][idx[d]];
          }
          expected.at(dst) = hu.v[i];
        }
        expect_host(slice_update(x, with_layout(upd, layout), start, stop, strides), expected,
                    dtype, std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      }
    }
  }
}

TEST(SliceOps, SliceUpdateBroadcastsCastsAndValidates) {
  auto a = zeros({3, 4}, int32);
  auto row = slice_update(a, array({1.5f, 2.5f}), Shape{1, 1}, Shape{2, 3});
  EXPECT_EQ(row.dtype(), int32);
  EXPECT_EQ(values(row), (std::vector<double>{0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0}));
  auto col = slice_update(a, array(7), Shape{0, 3}, Shape{3, 4});
  EXPECT_EQ(values(col), (std::vector<double>{0, 0, 0, 7, 0, 0, 0, 7, 0, 0, 0, 7}));
  auto whole = slice_update(a, array(5), Shape{0, 0}, Shape{3, 4});
  EXPECT_EQ(values(whole), std::vector<double>(12, 5));
  EXPECT_EQ(values(slice_update(a, zeros({4}), Shape{0, 0}, Shape{0, 4})),
            std::vector<double>(12, 0));
  EXPECT_THROW(slice_update(a, array(1), Shape{0}, Shape{1, 1}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, array(1), Shape{0, 0}, Shape{1, 1}, Shape{1, 0}),
               std::invalid_argument);
  EXPECT_THROW(slice_update(a, array({1, 2, 3}), Shape{0, 0}, Shape{1, 2}), std::invalid_argument);
}

TEST(SliceOps, SliceUpdatesOfABroadcastSourceWriteOneElementEach) {
  auto src = broadcast_to(array(0.0f), {3, 4});
  auto row = slice_update(src, ones({1, 4}), Shape{1, 0}, Shape{2, 4});
  EXPECT_EQ(values(row), (std::vector<double>{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}));
  auto dyn = slice_update(src, ones({1, 2}), array({2, 1}), {0, 1});
  EXPECT_EQ(values(dyn), (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}));
}

TEST(SliceOps, SliceUpdateReusesADonatedBuffer) {
  auto cache = zeros({4, 8});
  eval(cache);
  const void* buffer = cache.data<void>();
  for (int step = 0; step < 4; ++step) {
    cache = slice_update(cache, full({1, 8}, static_cast<float>(step + 1)), Shape{step, 0},
                         Shape{step + 1, 8});
    eval(cache);
    EXPECT_EQ(cache.data<void>(), buffer) << "step " << step;
  }
  auto v = values(cache);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[31], 4);
  // With another reference to the source alive, the source is left untouched.
  auto kept = zeros({2, 2});
  eval(kept);
  auto updated = slice_update(kept, array(1.0f), Shape{0, 0}, Shape{1, 1});
  eval(updated);
  EXPECT_NE(updated.data<void>(), kept.data<void>());
  EXPECT_EQ(values(kept), std::vector<double>(4, 0));
}

TEST(SliceOps, DynamicSliceUpdate) {
  uint32_t seed = 360;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({4, 5}, dtype, seed++);
    auto upd = random_array({2, 3}, dtype, seed++);
    Host ha(a), hu(upd);
    for (auto layout : all_layouts()) {
      for (int r0 : {0, 1, 3, -2, 9}) {
        auto out = slice_update(with_layout(a, layout), with_layout(upd, layout),
                                array({r0, 2}) + array(0), {0, 1});
        int64_t row = std::clamp<int64_t>(r0 < 0 ? r0 + 4 : r0, 0, 2);
        Host expected = ha;
        for (int64_t i = 0; i < 6; ++i) {
          auto idx = unravel(i, {2, 3});
          expected.at({row + idx[0], 2 + idx[1]}) = hu.v[i];
        }
        expect_host(out, expected, dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype) + " row " +
                        std::to_string(r0));
      }
    }
  }
}

TEST(SliceOps, DynamicSliceUpdateBroadcastsAndValidates) {
  auto a = zeros({3, 2, 4}, int16);
  // The update's missing leading axes cover the array, except along the sliced axes.
  auto out = slice_update(a, array({1, 2}), array({1, 2}), {0, 2});
  EXPECT_EQ(out.dtype(), int16);
  auto v = values(out);
  for (int i = 0; i < 24; ++i) {
    auto idx = unravel(i, {3, 2, 4});
    double expected = (idx[0] == 1 && idx[2] >= 2) ? idx[2] - 1 : 0;
    EXPECT_EQ(v[i], expected) << i;
  }
  auto cache = zeros({2, 6});
  eval(cache);
  const void* buffer = cache.data<void>();
  cache = slice_update(cache, ones({2, 1}), array(3), {1});
  eval(cache);
  EXPECT_EQ(cache.data<void>(), buffer);
  EXPECT_EQ(values(cache), (std::vector<double>{0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_THROW(slice_update(a, zeros({1, 3, 2, 4}), array(0), {0}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, zeros({5}), array(0), {2}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, zeros({1}), array({0, 1}), {0}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, zeros({1}), array(0.5f), {0}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, zeros({1}), array(0), {3}), std::invalid_argument);
  EXPECT_THROW(slice_update(a, zeros({1}), array({0, 0}), {1, -2}), std::invalid_argument);
}

TEST(SliceOps, DiagonalMatchesReference) {
  auto a = random_array({3, 4, 5}, int32, 380);
  Host ha(a);
  for (auto layout : all_layouts()) {
    auto x = with_layout(a, layout);
    for (auto [ax1, ax2] :
         std::vector<std::pair<int, int>>{{0, 1}, {1, 0}, {0, 2}, {2, 1}, {-1, -3}}) {
      for (int offset = -5; offset <= 5; ++offset) {
        int a1 = (ax1 + 3) % 3, a2 = (ax2 + 3) % 3, other = 3 - a1 - a2;
        int64_t n = std::max<int64_t>(0, std::min<int64_t>(ha.shape[a1] - std::max(-offset, 0),
                                                           ha.shape[a2] - std::max(offset, 0)));
        Host expected({ha.shape[other], static_cast<ShapeElem>(n)}, 0);
        for (int64_t i = 0; i < numel(expected.shape); ++i) {
          auto idx = unravel(i, expected.shape);
          std::vector<int64_t> src(3);
          src[other] = idx[0];
          src[a1] = idx[1] + std::max(-offset, 0);
          src[a2] = idx[1] + std::max(offset, 0);
          expected.v[i] = ha.at(src);
        }
        expect_host(diagonal(x, offset, ax1, ax2), expected, int32,
                    std::string(layout_name(layout)) + " axes " + std::to_string(ax1) + "," +
                        std::to_string(ax2) + " offset " + std::to_string(offset));
      }
    }
  }
  eval(a);
  auto d = diagonal(a, 1, 1, 2);
  eval(d);
  EXPECT_TRUE(shares_buffer(d, a, 1)); // a view
  EXPECT_THROW(diagonal(array({1, 2})), std::invalid_argument);
  EXPECT_THROW(diagonal(a, 0, 0, 3), std::invalid_argument);
  EXPECT_THROW(diagonal(a, 0, -4, 1), std::invalid_argument);
  EXPECT_THROW(diagonal(a, 0, 1, -2), std::invalid_argument);
}

TEST(SliceOps, Diag) {
  auto v = array({1, 2, 3});
  EXPECT_EQ(values(diag(v)), (std::vector<double>{1, 0, 0, 0, 2, 0, 0, 0, 3}));
  auto up = diag(v, 1);
  EXPECT_EQ(up.shape(), (Shape{4, 4}));
  EXPECT_EQ(values(up), (std::vector<double>{0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0}));
  auto down = diag(astype(v, bfloat16), -2);
  EXPECT_EQ(down.dtype(), bfloat16);
  EXPECT_EQ(values(down)[2 * 5 + 0], 1);
  EXPECT_EQ(values(down)[4 * 5 + 2], 3);
  EXPECT_EQ(diag(zeros({0}), 2).shape(), (Shape{2, 2}));
  auto m = reshape(arange(9), {3, 3});
  EXPECT_EQ(values(diag(m)), (std::vector<double>{0, 4, 8}));
  EXPECT_EQ(values(diag(m, -1)), (std::vector<double>{3, 7}));
  EXPECT_EQ(values(diag(transpose(m), 1)), (std::vector<double>{3, 7}));
  EXPECT_THROW(diag(array(1)), std::invalid_argument);
  EXPECT_THROW(diag(zeros({2, 2, 2})), std::invalid_argument);
}

TEST(SliceOps, Trace) {
  auto m = reshape(arange(12), {3, 4});
  EXPECT_EQ(trace(m).item<int>(), 0 + 5 + 10);
  EXPECT_EQ(trace(m, 1, 0, 1).item<int>(), 1 + 6 + 11);
  EXPECT_EQ(trace(m, -1, 0, 1).item<int>(), 4 + 9);
  EXPECT_EQ(trace(m, 0, 1, 0).item<int>(), 15);
  auto f = trace(m, 0, 0, 1, float32);
  EXPECT_EQ(f.dtype(), float32);
  EXPECT_EQ(f.item<float>(), 15.0f);
  auto batch = trace(reshape(arange(8), {2, 2, 2}), 0, 1, 2);
  EXPECT_EQ(values(batch), (std::vector<double>{3, 11}));
  EXPECT_EQ(trace(m, 10, 0, 1).item<int>(), 0);
  EXPECT_THROW(trace(array({1})), std::invalid_argument);
  EXPECT_THROW(trace(m, 0, 0, 0), std::invalid_argument);
  EXPECT_THROW(trace(m, 0, 0, 2), std::invalid_argument);
}
