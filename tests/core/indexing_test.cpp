// Gathers driven by index arrays: gather, take, take_along_axis; and put_along_axis /
// scatter_add_axis. Out-of-range policy: negative indices count once from the end, gathers clamp,
// scatters drop (see src/core/primitives/indexing.h).
#include "shapeidx_util.h"

using namespace shapeidx;

namespace {

int64_t wrap_clamp(int64_t i, int64_t n) {
  if (i < 0) {
    i += n;
  }
  return std::clamp<int64_t>(i, 0, n - 1);
}

// take along `axis`: out[pre, j..., post] = a[pre, idx[j...], post].
Host take_ref(const Host& a, const Host& idx, int axis) {
  Shape shape(a.shape.begin(), a.shape.begin() + axis);
  shape.insert(shape.end(), idx.shape.begin(), idx.shape.end());
  shape.insert(shape.end(), a.shape.begin() + axis + 1, a.shape.end());
  Host out(shape, 0);
  int k = static_cast<int>(idx.shape.size());
  for (int64_t i = 0; i < numel(shape); ++i) {
    auto o = unravel(i, shape);
    std::vector<int64_t> src(o.begin(), o.begin() + axis);
    std::vector<int64_t> j(o.begin() + axis, o.begin() + axis + k);
    src.push_back(wrap_clamp(static_cast<int64_t>(idx.at(j).real()), a.shape[axis]));
    src.insert(src.end(), o.begin() + axis + k, o.end());
    out.v[i] = a.at(src);
  }
  return out;
}

} // namespace

TEST(GatherOps, TakeEveryDtypeLayoutAndIndexType) {
  uint32_t seed = 400;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({4, 5, 3}, dtype, seed++);
    Host ha(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      for (int axis : {0, 1, 2}) {
        int n = ha.shape[axis];
        for (auto idx_dtype : {int32, uint8, int64, int8, uint32}) {
          bool is_unsigned = issubdtype(idx_dtype, unsignedinteger);
          auto idx = random_indices({2, 3}, is_unsigned ? 0 : -n, n - 1, seed++, idx_dtype);
          auto ix = with_layout(idx, layout);
          expect_host(take(x, ix, axis), take_ref(ha, Host(idx), axis), dtype,
                      std::string(layout_name(layout)) + " " + dtype_to_string(dtype) + " axis " +
                          std::to_string(axis) + " idx " + dtype_to_string(idx_dtype));
        }
      }
    }
  }
}

TEST(GatherOps, TakeOverloads) {
  auto a = reshape(arange(12), {3, 4});
  EXPECT_EQ(values(take(a, array({5, -1, 0}))), (std::vector<double>{5, 11, 0}));
  EXPECT_EQ(take(a, array({1, 2}), -1).shape(), (Shape{3, 2}));
  EXPECT_EQ(values(take(a, 2, 0)), (std::vector<double>{8, 9, 10, 11}));
  EXPECT_EQ(values(take(a, -1, 1)), (std::vector<double>{3, 7, 11}));
  EXPECT_EQ(take(a, 7).item<int>(), 7);
  EXPECT_EQ(take(a, -12).item<int>(), 0);
  EXPECT_EQ(take(a, array(2), 0).shape(), Shape{4}); // a 0-d index drops the axis
  // A broadcast index array.
  auto bidx = broadcast_to(array({2, 0}), {3, 2});
  EXPECT_EQ(values(take(arange(5), bidx)), (std::vector<double>{2, 0, 2, 0, 2, 0}));
  EXPECT_EQ(take(zeros({0, 3}), zeros({0}, int32), 0).shape(), (Shape{0, 3}));
  EXPECT_THROW(take(a, array({1}), 2), std::invalid_argument);
  EXPECT_THROW(take(a, array({1.0f}), 0), std::invalid_argument);
  EXPECT_THROW(take(a, array({true}), 0), std::invalid_argument);
  EXPECT_THROW(take(zeros({0, 3}), array({0}), 0), std::invalid_argument);
  EXPECT_THROW(take(a, 3, 0), std::invalid_argument);
  EXPECT_THROW(take(a, -5, 1), std::invalid_argument);
  EXPECT_THROW(take(a, 0, 2), std::invalid_argument);
  EXPECT_THROW(take(zeros({0}), 0), std::invalid_argument);
  EXPECT_THROW(take(array(1), array({0}), 0), std::invalid_argument);
}

TEST(GatherOps, OutOfRangeGatherIndicesAreClamped) {
  auto a = array({10, 11, 12, 13});
  auto out = take(a, array({4, 100, -5, -100, -4, 3}, int64), 0);
  EXPECT_EQ(values(out), (std::vector<double>{13, 13, 10, 10, 10, 13}));
  auto big = take(a, array({uint64_t{1} << 63, uint64_t{2}}, uint64), 0);
  EXPECT_EQ(values(big), (std::vector<double>{13, 12}));
  // A slice wider than one element is kept inside the axis as a whole.
  auto g = gather(arange(6), array({5, -1, 3}), 0, {3});
  EXPECT_EQ(values(g), (std::vector<double>{3, 4, 5, 3, 4, 5, 3, 4, 5}));
}

TEST(GatherOps, GatherWithSeveralIndexArraysAndSlices) {
  auto a = random_array({4, 5, 6}, float32, 420);
  Host ha(a);
  auto i0 = random_indices({3, 1}, -4, 3, 421);
  auto i2 = random_indices({2}, 0, 3, 422, uint16);
  Shape slice_sizes = {1, 2, 3};
  auto out = gather(with_layout(a, Layout::Transposed), {i0, i2}, {0, 2}, slice_sizes);
  Host h0(i0), h2(i2);
  Host expected({3, 2, 1, 2, 3}, 0);
  for (int64_t i = 0; i < numel(expected.shape); ++i) {
    auto o = unravel(i, expected.shape);
    int64_t r = wrap_clamp(static_cast<int64_t>(h0.at({o[0], 0}).real()), 4);
    int64_t c = std::clamp<int64_t>(static_cast<int64_t>(h2.at({o[1]}).real()), 0, 3);
    expected.v[i] = ha.at({r + o[2], o[3], c + o[4]});
  }
  // The index arrays promote to a common type (int32 with uint16: int32).
  expect_host(out, expected, float32, "two index arrays");
  // No index arrays: one slice from the origin.
  auto corner = gather(a, std::vector<array>{}, std::vector<int>{}, {2, 1, 2});
  EXPECT_EQ(corner.shape(), (Shape{2, 1, 2}));
  EXPECT_EQ(values(corner)[3], ha.at({1, 0, 1}).real());
}

TEST(GatherOps, GatherValidates) {
  auto a = zeros({3, 4});
  auto i = array({0, 1});
  EXPECT_THROW(gather(a, {i, i, i}, {0, 1, 2}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i}, std::vector<int>{0, 1}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i, i}, {0, 0}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, i, -1, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, i, 2, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, array({true}), 0, {1, 4}), std::invalid_argument);
  EXPECT_THROW(gather(a, array({0.5f}), 0, {1, 4}), std::invalid_argument);
  EXPECT_THROW(gather(a, {i, array({0, 1, 2})}, {0, 1}, {1, 1}), std::invalid_argument);
  EXPECT_THROW(gather(a, i, 0, {1}), std::invalid_argument);
  EXPECT_THROW(gather(a, i, 0, {1, 5}), std::invalid_argument);
  EXPECT_THROW(gather(a, i, 0, {-1, 4}), std::invalid_argument);
  EXPECT_THROW(gather(zeros({0, 4}), i, 0, {1, 4}), std::invalid_argument);
  EXPECT_EQ(gather(zeros({0, 4}), i, 0, {0, 4}).shape(), (Shape{2, 0, 4}));
  try {
    gather(a, array({0.5f}), 0, {1, 4});
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[gather]", 0), 0u) << e.what();
  }
}

TEST(GatherOps, LargeGathersSplitAcrossThreads) {
  // Many small slices, and a few large ones.
  auto table = random_array({1000, 64}, float32, 430);
  auto ids = random_indices({50000}, 0, 999, 431);
  auto rows = take(table, ids, 0);
  Host ht(table), hi(ids);
  auto got = values(rows);
  ASSERT_EQ(got.size(), 50000u * 64);
  for (int64_t i = 0; i < 50000; i += 997) {
    int64_t r = static_cast<int64_t>(hi.v[i].real());
    for (int64_t c = 0; c < 64; ++c) {
      ASSERT_EQ(got[i * 64 + c], ht.at({r, c}).real());
    }
  }
  auto cols = take(with_layout(table, Layout::Transposed), array({63, 0}), 1);
  auto col_vals = values(cols);
  for (int64_t r = 0; r < 1000; r += 7) {
    ASSERT_EQ(col_vals[r * 2], ht.at({r, 63}).real());
    ASSERT_EQ(col_vals[r * 2 + 1], ht.at({r, 0}).real());
  }
  auto scalars = take(flatten(table), random_indices({200000}, -64000, 63999, 432));
  EXPECT_EQ(scalars.size(), 200000u);
}

TEST(GatherOps, TakeAlongAxis) {
  uint32_t seed = 440;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({3, 4, 5}, dtype, seed++);
    Host ha(a);
    for (int axis : {0, 1, -1}) {
      int ax = (axis + 3) % 3;
      Shape ishape = {3, 4, 5};
      ishape[ax] = 6;
      ishape[(ax + 1) % 3] = 1; // broadcast against a
      auto idx = random_indices(ishape, -ha.shape[ax], ha.shape[ax] - 1, seed++);
      Host hidx(idx);
      Shape oshape = {3, 4, 5};
      oshape[ax] = 6;
      Host expected(oshape, 0);
      for (int64_t i = 0; i < numel(oshape); ++i) {
        auto o = unravel(i, oshape);
        auto io = o;
        io[(ax + 1) % 3] = 0;
        auto src = o;
        src[ax] = wrap_clamp(static_cast<int64_t>(hidx.at(io).real()), ha.shape[ax]);
        expected.v[i] = ha.at(src);
      }
      for (auto layout : all_layouts()) {
        expect_host(take_along_axis(with_layout(a, layout), with_layout(idx, layout), axis),
                    expected, dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype) + " axis " +
                        std::to_string(axis));
      }
    }
  }
  auto m = reshape(arange(6), {2, 3});
  EXPECT_EQ(values(take_along_axis(m, array({7}, Shape{1, 1}), 1)), (std::vector<double>{2, 5}));
  EXPECT_THROW(take_along_axis(m, array({0}), 1), std::invalid_argument);
  EXPECT_THROW(take_along_axis(m, zeros({1, 1}), 1), std::invalid_argument);
  EXPECT_THROW(take_along_axis(m, zeros({1, 1}, int32), 2), std::invalid_argument);
  EXPECT_THROW(take_along_axis(m, zeros({3, 1}, int32), 1), std::invalid_argument);
  EXPECT_THROW(take_along_axis(zeros({2, 0}), zeros({2, 1}, int32), 1), std::invalid_argument);
}

TEST(GatherOps, PutAlongAxisAndScatterAddAxis) {
  uint32_t seed = 460;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({4, 3}, dtype, seed++);
    auto vals = random_array({5, 3}, dtype, seed++);
    // Rows 0..3 along axis 0, with duplicates, negatives and out-of-range entries.
    auto idx = array({0, 1, 2, 2, 5, 1, -1, 3, 2, -4, 0, 9, 3, 3, -1}, Shape{5, 3});
    Host ha(a), hv(vals), hi(idx);
    Host put = ha, add = ha;
    for (int64_t j = 0; j < 5; ++j) {
      for (int64_t c = 0; c < 3; ++c) {
        int64_t r = static_cast<int64_t>(hi.at({j, c}).real());
        r = r < 0 ? r + 4 : r;
        if (r < 0 || r >= 4) {
          continue; // dropped
        }
        put.at({r, c}) = hv.at({j, c});
        add.at({r, c}) += hv.at({j, c});
      }
    }
    if (dtype == bool_) {
      for (auto& v : add.v) {
        v = v.real() != 0 ? 1 : 0;
      }
    }
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      auto v = with_layout(vals, layout);
      std::string what = std::string(layout_name(layout)) + " " + dtype_to_string(dtype);
      expect_host(put_along_axis(x, idx, v, 0), put, dtype, what + " put");
      if (dtype == bool_ || dtype == uint8 || dtype == int8 || dtype == float16 ||
          dtype == bfloat16) {
        continue; // sums of these overflow or round in a reference computed in double
      }
      expect_host(scatter_add_axis(x, idx, v, 0), add, dtype, what + " add");
    }
  }
}

TEST(GatherOps, PutAlongAxisBroadcastsAndValidates) {
  auto a = zeros({2, 4}, int32);
  auto out = put_along_axis(a, array({3}, Shape{1, 1}), array(7), 1);
  EXPECT_EQ(values(out), (std::vector<double>{0, 0, 0, 7, 0, 0, 0, 7}));
  auto sums =
      scatter_add_axis(a, array({0, 0, 0, 1}, Shape{1, 4}), array({1, 2, 3, 4}, Shape{1, 4}), 1);
  EXPECT_EQ(values(sums), (std::vector<double>{6, 4, 0, 0, 6, 4, 0, 0}));
  // Values with extra leading axes of size 1.
  auto lead = put_along_axis(a, array({1}, Shape{1, 1}), array({5}, Shape{1, 1, 1}), 1);
  EXPECT_EQ(values(lead), (std::vector<double>{0, 5, 0, 0, 0, 5, 0, 0}));
  EXPECT_EQ(put_along_axis(zeros({0, 3}), zeros({1, 1}, int32), array(1.0f), 0).shape(),
            (Shape{0, 3}));
  EXPECT_THROW(put_along_axis(a, array({1}), array(1), 1), std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, zeros({1, 1}), array(1), 1), std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, zeros({1, 1}, int32), array(1), 2), std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, zeros({1, 1}, int32), zeros({2, 1, 1}), 1), std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, zeros({1, 2}, int32), zeros({1, 3}), 1), std::invalid_argument);
  EXPECT_THROW(put_along_axis(a, zeros({3, 1}, int32), array(1), 1), std::invalid_argument);
  EXPECT_THROW(scatter_add_axis(a, zeros({1, 1}, float32), array(1), 0), std::invalid_argument);
}

TEST(GatherOps, LargeScatterAddAxisIsExact) {
  // Many columns split across threads; each column sums duplicates in order.
  int rows = 8, cols = 20000, n = 16;
  auto idx = random_indices({n, cols}, 0, rows - 1, 470);
  auto vals = astype(random_indices({n, cols}, -50, 50, 471), float32);
  auto out = scatter_add_axis(zeros({rows, cols}), idx, vals, 0);
  Host hi(idx), hv(vals);
  std::vector<double> expected(rows * cols, 0.0);
  for (int j = 0; j < n; ++j) {
    for (int c = 0; c < cols; ++c) {
      expected[static_cast<int64_t>(hi.at({j, c}).real()) * cols + c] += hv.at({j, c}).real();
    }
  }
  EXPECT_EQ(values(out), expected);
}

TEST(GatherOps, RandomOutOfRangeIndicesStayInside) {
  // Random shapes and wildly out-of-range indices through every index-driven op: results follow
  // the clamp/drop rules (checked for take and scatter_add), and nothing reads or writes outside
  // the arrays (run under AddressSanitizer to see it).
  std::mt19937 gen(99);
  std::uniform_int_distribution<int> dim(1, 5), pick(0, 1000);
  for (int trial = 0; trial < 60; ++trial) {
    Shape shape(1 + pick(gen) % 3);
    for (auto& d : shape) {
      d = dim(gen);
    }
    int ndim = static_cast<int>(shape.size());
    int axis = pick(gen) % ndim;
    Dtype idx_dtype = std::vector<Dtype>{int8, uint8, int64, uint32}[pick(gen) % 4];
    bool is_unsigned = issubdtype(idx_dtype, unsignedinteger);
    auto a = random_array(shape, float32, 1000 + trial);
    auto idx = random_indices({4}, is_unsigned ? 0 : -40, 40, 2000 + trial, idx_dtype);
    Host ha(a), hi(idx);
    int64_t n = shape[axis];

    Host expected_take = take_ref(ha, hi, axis);
    expect_host(take(a, idx, axis), expected_take, float32, "take");

    Shape ishape = shape;
    ishape[axis] = 4;
    auto along = random_indices(ishape, is_unsigned ? 0 : -40, 40, 3000 + trial, idx_dtype);
    eval(take_along_axis(a, along, axis), put_along_axis(a, along, array(1.0f), axis),
         scatter_add_axis(a, along, ones(ishape), axis));

    Shape slice_sizes = shape;
    slice_sizes[axis] = 1 + pick(gen) % n;
    eval(gather(a, idx, axis, slice_sizes));

    Shape upd_shape = {4};
    upd_shape.insert(upd_shape.end(), shape.begin(), shape.end());
    upd_shape[1 + axis] = 1;
    auto upd = ones(upd_shape);
    Host expected_add = ha;
    for (int64_t j = 0; j < 4; ++j) {
      int64_t v = static_cast<int64_t>(hi.v[j].real());
      v = v < 0 ? v + n : v;
      if (v < 0 || v >= n) {
        continue;
      }
      for (int64_t e = 0; e < numel(shape); ++e) {
        auto pos = unravel(e, shape);
        if (pos[axis] == v) {
          expected_add.at(pos) += 1.0;
        }
      }
    }
    expect_host(scatter_add(a, idx, upd, axis), expected_add, float32, "scatter_add");

    auto start = random_indices({1}, is_unsigned ? 0 : -40, 40, 4000 + trial, idx_dtype);
    eval(slice(a, start, {axis}, slice_sizes), slice_update(a, ones(slice_sizes), start, {axis}));
  }
}
