// Ops that cut and join: concatenate, stack, split, unstack, pad, tile, repeat, roll, flip, kron.
#include <functional>

#include "shapeidx_util.h"

using namespace shapeidx;

namespace {

// out[idx] = in[f(idx)] over out's shape; f returns the input index (or empty for `fill`).
template <typename F>
Host map_ref(const Host& in, const Shape& out_shape, F f, std::complex<double> fill = 0) {
  Host out(out_shape, fill);
  for (int64_t i = 0; i < numel(out_shape); ++i) {
    auto src = f(unravel(i, out_shape));
    if (!src.empty() || in.shape.empty()) {
      out.v[i] = in.at(src);
    }
  }
  return out;
}

Host concat_ref(const std::vector<Host>& parts, int axis) {
  Shape shape = parts[0].shape;
  shape[axis] = 0;
  for (const auto& p : parts) {
    shape[axis] += p.shape[axis];
  }
  Host out(shape, 0);
  for (int64_t i = 0; i < numel(shape); ++i) {
    auto idx = unravel(i, shape);
    for (const auto& p : parts) {
      if (idx[axis] < p.shape[axis]) {
        out.v[i] = p.at(idx);
        break;
      }
      idx[axis] -= p.shape[axis];
    }
  }
  return out;
}

} // namespace

TEST(JoinOps, ConcatenateEveryDtypeAxisAndLayout) {
  uint32_t seed = 100;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({2, 3, 4}, dtype, seed++);
    auto b = random_array({2, 3, 4}, dtype, seed++);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      for (int axis : {0, 1, 2, -1}) {
        Shape bshape = {2, 3, 4};
        bshape[(axis + 3) % 3] = 5;
        auto c = random_array(bshape, dtype, seed++);
        auto out = concatenate({x, b, c}, axis);
        expect_host(out, concat_ref({Host(a), Host(b), Host(c)}, (axis + 3) % 3), dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      }
    }
  }
}

TEST(JoinOps, ConcatenatePromotesAndValidates) {
  auto i = array({1, 2});
  auto f = array({0.5f});
  auto out = concatenate({i, f});
  EXPECT_EQ(out.dtype(), float32);
  EXPECT_EQ(values(out), (std::vector<double>{1, 2, 0.5}));
  auto m = reshape(arange(6), {2, 3});
  auto flat = concatenate({m, array({9})});
  EXPECT_EQ(values(flat), (std::vector<double>{0, 1, 2, 3, 4, 5, 9}));
  EXPECT_EQ(concatenate({m}, 1).id(), m.id());
  EXPECT_EQ(concatenate({zeros({0, 3}), m}, 0).shape(), (Shape{2, 3}));
  EXPECT_THROW(concatenate(std::vector<array>{}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({array(1), array(2)}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({m, arange(3)}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({m, zeros({2, 4})}, 0), std::invalid_argument);
  EXPECT_THROW(concatenate({m, m}, 2), std::invalid_argument);
}

TEST(JoinOps, Stack) {
  auto a = random_array({2, 3}, int64, 110);
  auto b = random_array({2, 3}, int64, 111);
  Host ha(a), hb(b);
  for (int axis : {0, 1, 2, -1, -3}) {
    int ax = (axis + 3) % 3;
    Shape shape = {2, 3};
    shape.insert(shape.begin() + ax, 2);
    auto ref = map_ref(ha, shape, [&](std::vector<int64_t> idx) { return idx; });
    for (int64_t i = 0; i < numel(shape); ++i) {
      auto idx = unravel(i, shape);
      int64_t which = idx[ax];
      idx.erase(idx.begin() + ax);
      ref.v[i] = which == 0 ? ha.at(idx) : hb.at(idx);
    }
    expect_host(stack({a, b}, axis), ref, int64, "axis " + std::to_string(axis));
  }
  EXPECT_EQ(stack({array(1), array(2)}).shape(), Shape{2});
  EXPECT_THROW(stack({}), std::invalid_argument);
  EXPECT_THROW(stack({a, zeros({3, 2})}), std::invalid_argument);
  EXPECT_THROW(stack({a, b}, 3), std::invalid_argument);
}

TEST(JoinOps, SplitIntoSectionsAndAtIndices) {
  auto a = random_array({6, 5}, float32, 120);
  eval(a);
  Host ha(a);
  auto parts = split(a, 3);
  ASSERT_EQ(parts.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    auto ref = map_ref(ha, {2, 5}, [&](std::vector<int64_t> idx) {
      idx[0] += 2 * p;
      return idx;
    });
    expect_host(parts[p], ref, float32, "section " + std::to_string(p));
    eval(parts[p]);
    EXPECT_TRUE(shares_buffer(parts[p], a, 2 * p * 5)); // parts are views
  }
  auto cols = split(a, Shape{1, 4}, 1);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[0].shape(), (Shape{6, 1}));
  EXPECT_EQ(cols[1].shape(), (Shape{6, 3}));
  EXPECT_EQ(cols[2].shape(), (Shape{6, 1}));
  expect_host(cols[2],
              map_ref(ha, {6, 1},
                      [](std::vector<int64_t> idx) {
                        idx[1] = 4;
                        return idx;
                      }),
              float32, "last column");
  // Numpy's rules: a decreasing pair gives an empty part, negative indices count from the end.
  auto odd = split(arange(5), Shape{3, 1, -1});
  ASSERT_EQ(odd.size(), 4u);
  EXPECT_EQ(values(odd[0]), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(odd[1].size(), 0u);
  EXPECT_EQ(values(odd[2]), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(values(odd[3]), (std::vector<double>{4}));
  EXPECT_EQ(split(a, Shape{}, 0).size(), 1u);
  EXPECT_EQ(split(a, 5, 1).size(), 5u);
  EXPECT_EQ(split(a, 2, -2)[1].shape(), (Shape{3, 5}));
  EXPECT_THROW(split(a, 4), std::invalid_argument);
  EXPECT_THROW(split(a, 0), std::invalid_argument);
  EXPECT_THROW(split(a, -2), std::invalid_argument);
  EXPECT_THROW(split(a, 2, 2), std::invalid_argument);
  EXPECT_THROW(split(a, Shape{1}, -3), std::invalid_argument);
  EXPECT_THROW(split(array(1), 1), std::invalid_argument);
}

TEST(JoinOps, Unstack) {
  auto a = random_array({2, 3, 4}, uint16, 130);
  Host ha(a);
  auto parts = unstack(a, 1);
  ASSERT_EQ(parts.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    expect_host(parts[p],
                map_ref(ha, {2, 4},
                        [&](std::vector<int64_t> idx) {
                          return std::vector<int64_t>{idx[0], p, idx[1]};
                        }),
                uint16, "part");
  }
  EXPECT_EQ(unstack(a).size(), 2u);
  EXPECT_EQ(unstack(a, -1)[3].shape(), (Shape{2, 3}));
  EXPECT_TRUE(unstack(zeros({0, 2})).empty());
  EXPECT_THROW(unstack(array(1)), std::invalid_argument);
  EXPECT_THROW(unstack(a, 3), std::invalid_argument);
}

TEST(JoinOps, PadConstantEveryDtypeAndLayout) {
  uint32_t seed = 140;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({2, 3, 2}, dtype, seed++);
    Host ha(a);
    auto value = dtype == bool_ ? array(true) : array(7);
    std::complex<double> fill = dtype == bool_ ? 1.0 : 7.0;
    auto ref = map_ref(
        ha, {3, 6, 2},
        [](std::vector<int64_t> idx) {
          idx[0] -= 1;
          idx[1] -= 2;
          bool inside = idx[0] >= 0 && idx[0] < 2 && idx[1] >= 0 && idx[1] < 3;
          return inside ? idx : std::vector<int64_t>{};
        },
        fill);
    for (auto layout : all_layouts()) {
      auto out = pad(with_layout(a, layout), {0, -2}, {1, 2}, {0, 1}, value);
      expect_host(out, ref, dtype, std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
    }
  }
}

TEST(JoinOps, PadOverloads) {
  auto a = reshape(arange(1, 5), {2, 2}); // [[1, 2], [3, 4]]
  EXPECT_EQ(values(pad(a, 1)),
            (std::vector<double>{0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}));
  EXPECT_EQ(values(pad(a, {0, 1}, array(9))), (std::vector<double>{1, 2, 9, 3, 4, 9, 9, 9, 9}));
  auto widths = pad(a, std::vector<std::pair<int, int>>{{1, 0}, {0, 2}});
  EXPECT_EQ(widths.shape(), (Shape{3, 4}));
  EXPECT_EQ(values(widths), (std::vector<double>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}));
  // The value takes the array's dtype.
  auto f = pad(a, 1, array(2.75f));
  EXPECT_EQ(f.dtype(), int32);
  EXPECT_EQ(values(f)[0], 2);
  EXPECT_EQ(pad(zeros({0, 2}), 1).shape(), (Shape{2, 4}));
  EXPECT_EQ(pad(array(3.0f), 0).shape(), Shape{});
  using Axes = std::vector<int>;
  EXPECT_THROW(pad(a, Axes{0}, Shape{1, 1}, Shape{1}), std::invalid_argument);
  EXPECT_THROW(pad(a, Axes{0}, Shape{-1}, Shape{1}), std::invalid_argument);
  EXPECT_THROW(pad(a, Axes{2}, Shape{1}, Shape{1}), std::invalid_argument);
  EXPECT_THROW(pad(a, Axes{0, -2}, Shape{1, 1}, Shape{1, 1}), std::invalid_argument);
  EXPECT_THROW(pad(a, 1, array({1, 2})), std::invalid_argument);
  EXPECT_THROW(pad(a, 1, array(0), "reflect"), std::invalid_argument);
  EXPECT_THROW(pad(a, std::vector<std::pair<int, int>>{{1, 1}}), std::invalid_argument);
}

TEST(JoinOps, PadEdge) {
  uint32_t seed = 150;
  for (auto dtype : {float32, int8, complex64, bool_}) {
    auto a = random_array({3, 4}, dtype, seed++);
    Host ha(a);
    auto ref = map_ref(ha, {6, 5}, [](std::vector<int64_t> idx) {
      return std::vector<int64_t>{std::clamp<int64_t>(idx[0] - 2, 0, 2),
                                  std::clamp<int64_t>(idx[1], 0, 3)};
    });
    auto out = pad(with_layout(a, Layout::Reversed), {0, 1}, {2, 0}, {1, 1}, array(0), "edge");
    expect_host(out, ref, dtype, dtype_to_string(dtype));
  }
  EXPECT_EQ(values(pad(array({1, 2, 3}), {2, 1}, array(0), "edge")),
            (std::vector<double>{1, 1, 1, 2, 3, 3}));
  EXPECT_EQ(pad(zeros({0, 2}), {0}, {0}, {0}, array(0), "edge").shape(), (Shape{0, 2}));
  EXPECT_THROW(pad(zeros({0, 2}), 1, array(0), "edge"), std::invalid_argument);
}

TEST(JoinOps, Tile) {
  auto a = random_array({2, 3}, complex64, 160);
  Host ha(a);
  auto ref = map_ref(ha, {2, 4, 3}, [](std::vector<int64_t> idx) {
    return std::vector<int64_t>{idx[1] % 2, idx[2] % 3};
  });
  expect_host(tile(with_layout(a, Layout::Transposed), {2, 2, 1}), ref, complex64, "3 reps");
  auto ref2 = map_ref(ha, {2, 9}, [](std::vector<int64_t> idx) {
    return std::vector<int64_t>{idx[0], idx[1] % 3};
  });
  expect_host(tile(a, {3}), ref2, complex64, "1 rep");
  EXPECT_EQ(tile(a, {0, 1}).shape(), (Shape{0, 3}));
  EXPECT_EQ(values(tile(array(5), {2, 2})), (std::vector<double>{5, 5, 5, 5}));
  EXPECT_THROW(tile(a, {-1}), std::invalid_argument);
}

TEST(JoinOps, Repeat) {
  auto a = random_array({2, 3}, float16, 170);
  Host ha(a);
  auto ref = map_ref(ha, {2, 9}, [](std::vector<int64_t> idx) {
    return std::vector<int64_t>{idx[0], idx[1] / 3};
  });
  expect_host(repeat(with_layout(a, Layout::Strided), 3, 1), ref, float16, "axis 1");
  auto ref0 = map_ref(ha, {4, 3}, [](std::vector<int64_t> idx) {
    return std::vector<int64_t>{idx[0] / 2, idx[1]};
  });
  expect_host(repeat(a, 2, -2), ref0, float16, "axis -2");
  auto flat = repeat(a, 2);
  EXPECT_EQ(flat.shape(), Shape{12});
  EXPECT_EQ(values(flat)[1], ha.v[0].real());
  EXPECT_EQ(values(flat)[2], ha.v[1].real());
  EXPECT_EQ(repeat(a, 1, 0).id(), a.id());
  EXPECT_EQ(repeat(a, 0, 1).shape(), (Shape{2, 0}));
  EXPECT_THROW(repeat(a, -1, 0), std::invalid_argument);
  EXPECT_THROW(repeat(a, 2, 2), std::invalid_argument);
}

TEST(JoinOps, RollEveryOverload) {
  auto a = random_array({3, 4}, int32, 180);
  Host ha(a);
  auto rolled = [&](int64_t s0, int64_t s1) {
    return map_ref(ha, {3, 4}, [&](std::vector<int64_t> idx) {
      return std::vector<int64_t>{((idx[0] - s0) % 3 + 3) % 3, ((idx[1] - s1) % 4 + 4) % 4};
    });
  };
  auto flat_rolled = [&](int64_t s) {
    return map_ref(ha, {3, 4}, [&](std::vector<int64_t> idx) {
      return unravel(((idx[0] * 4 + idx[1] - s) % 12 + 12) % 12, {3, 4});
    });
  };
  for (auto layout : all_layouts()) {
    auto x = with_layout(a, layout);
    std::string what = layout_name(layout);
    expect_host(roll(x, 1, 1), rolled(0, 1), int32, what + " int axis");
    expect_host(roll(x, -5, 0), rolled(-5, 0), int32, what + " negative");
    expect_host(roll(x, 9, -1), rolled(0, 9), int32, what + " past size");
    expect_host(roll(x, 5), flat_rolled(5), int32, what + " flat");
    expect_host(roll(x, Shape{2, 3}), flat_rolled(5), int32, what + " shape flat");
    expect_host(roll(x, 2, std::vector<int>{0, 1}), rolled(2, 2), int32, what + " axes");
    expect_host(roll(x, Shape{1, -2}, std::vector<int>{0, 1}), rolled(1, -2), int32,
                what + " shifts axes");
    expect_host(roll(x, Shape{1, 2}, 1), rolled(0, 3), int32, what + " shifts axis");
  }
  EXPECT_EQ(roll(a, Shape{1}, std::vector<int>{}).id(), a.id());
  EXPECT_EQ(roll(zeros({0, 3}), 2, 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(values(roll(array(4), 3)), std::vector<double>{4});
  EXPECT_THROW(roll(a, 1, 2), std::invalid_argument);
  EXPECT_THROW(roll(a, Shape{1}, std::vector<int>{0, 1}), std::invalid_argument);
  EXPECT_THROW(roll(a, Shape{1}, -3), std::invalid_argument);
}

TEST(JoinOps, Flip) {
  uint32_t seed = 190;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({3, 2, 4}, dtype, seed++);
    Host ha(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      expect_host(flip(x, {0, 2}),
                  map_ref(ha, {3, 2, 4},
                          [](std::vector<int64_t> idx) {
                            return std::vector<int64_t>{2 - idx[0], idx[1], 3 - idx[2]};
                          }),
                  dtype, std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      expect_host(flip(x),
                  map_ref(ha, {3, 2, 4},
                          [](std::vector<int64_t> idx) {
                            return std::vector<int64_t>{2 - idx[0], 1 - idx[1], 3 - idx[2]};
                          }),
                  dtype, "all axes");
    }
  }
  auto a = zeros({2, 3});
  eval(a);
  auto f = flip(a, {-1});
  eval(f);
  EXPECT_TRUE(shares_buffer(f, a, 2)); // a view starting at the last column
  EXPECT_EQ(flip(zeros({0, 2})).shape(), (Shape{0, 2}));
  EXPECT_THROW(flip(a, {2}), std::invalid_argument);
  EXPECT_THROW(flip(a, {0, -2}), std::invalid_argument);
}

TEST(JoinOps, Kron) {
  auto a = random_array({2, 3}, int32, 200);
  auto b = random_array({3, 2}, int32, 201);
  Host ha(a), hb(b);
  Host ref({6, 6}, 0);
  for (int64_t i = 0; i < 36; ++i) {
    auto idx = unravel(i, {6, 6});
    ref.v[i] = ha.at({idx[0] / 3, idx[1] / 2}) * hb.at({idx[0] % 3, idx[1] % 2});
  }
  expect_host(kron(a, b), ref, int32, "2-D");
  auto v = kron(array({1, 2}), reshape(arange(4), {2, 2}));
  EXPECT_EQ(v.shape(), (Shape{2, 4}));
  EXPECT_EQ(values(v), (std::vector<double>{0, 1, 0, 2, 2, 3, 4, 6}));
  EXPECT_EQ(kron(array({1.5f}), array({2})).dtype(), float32);
  EXPECT_THROW(kron(zeros({0}), a), std::invalid_argument);
}

TEST(JoinOps, BroadcastInputsBehaveLikeTheirCopies) {
  // Every op on a broadcast view (stride 0 axes) gives what it gives on a materialized copy.
  using Op = std::function<array(const array&)>;
  std::vector<std::pair<const char*, Op>> ops = {
      {"reshape",
       [](const array& x) {
         return reshape(x, {5, 12});
       }},
      {"flatten", [](const array& x) { return flatten(x, 0, 1); }},
      {"transpose",
       [](const array& x) {
         return reshape(transpose(x, {2, 0, 1}), {-1});
       }},
      {"concatenate",
       [](const array& x) {
         return concatenate({x, x}, 1);
       }},
      {"pad", [](const array& x) { return pad(x, 1); }},
      {"edge pad", [](const array& x) { return pad(x, 2, array(0), "edge"); }},
      {"tile",
       [](const array& x) {
         return tile(x, {2, 1, 2});
       }},
      {"repeat", [](const array& x) { return repeat(x, 2, 1); }},
      {"roll", [](const array& x) { return roll(x, 3, 1); }},
      {"flip", [](const array& x) { return flip(x); }},
      {"slice",
       [](const array& x) {
         return slice(x, {2, 4, 3}, {0, 0, 0}, {-1, -2, -2});
       }},
      {"dynamic slice",
       [](const array& x) {
         return slice(x, array({1, 2}), {1, 2}, {3, 2, 2});
       }},
      {"diagonal", [](const array& x) { return diagonal(x, 1, 1, 2); }},
      {"split", [](const array& x) { return split(x, Shape{2}, 1)[1]; }},
      {"take",
       [](const array& x) {
         return take(x, array({4, 0, -1}), 1);
       }},
      {"take_along_axis",
       [](const array& x) {
         return take_along_axis(x, array({3, 1}, Shape{1, 2, 1}), 1);
       }},
      {"gather",
       [](const array& x) {
         return gather(x, array({2, 0}), 2, {3, 5, 1});
       }},
      {"slice_update",
       [](const array& x) {
         return slice_update(x, array(9), Shape{0, 1, 0}, Shape{3, 2, 4});
       }},
      {"scatter",
       [](const array& x) {
         return scatter(x, array({1}), full({1, 3, 1, 4}, 9), 1);
       }},
      {"put_along_axis",
       [](const array& x) {
         return put_along_axis(x, array({2}, Shape{1, 1, 1}), array(9), 1);
       }},
      {"masked_scatter",
       [](const array& x) {
         return masked_scatter(x, array({true, false, true}), array(9));
       }},
  };
  auto b = broadcast_to(random_array({3, 1, 4}, int32, 210), {3, 5, 4});
  auto c = copy(b);
  eval(b, c);
  ASSERT_EQ(b.strides()[1], 0);
  for (const auto& [name, op] : ops) {
    auto expected = op(c);
    expect_host(op(b), Host(expected), expected.dtype(), name);
  }
}
