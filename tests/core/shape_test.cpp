// Shape ops that rearrange without computing: reshape and relatives, transpose, broadcast,
// as_strided, view, atleast_*, number_of_elements, depends, meshgrid; and which of them are
// views sharing the input's buffer.
#include <numeric>

#include "shapeidx_util.h"

using namespace shapeidx;

namespace {

// Reference transpose: out[i_0..i_n] = in[i_perm^-1...].
Host transpose_ref(const Host& in, const std::vector<int>& perm) {
  Shape shape;
  for (int p : perm) {
    shape.push_back(in.shape[p]);
  }
  Host out(shape, 0);
  for (int64_t i = 0; i < numel(shape); ++i) {
    auto oi = unravel(i, shape);
    std::vector<int64_t> ii(perm.size());
    for (size_t d = 0; d < perm.size(); ++d) {
      ii[perm[d]] = oi[d];
    }
    out.v[i] = in.at(ii);
  }
  return out;
}

Host with_shape(Host h, Shape shape) {
  h.shape = std::move(shape);
  return h;
}

} // namespace

TEST(ShapeOps, ReshapeKeepsRowMajorOrderForEveryDtypeAndLayout) {
  uint32_t seed = 1;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({3, 4, 5}, dtype, seed++);
    Host ref(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      std::string what = std::string(layout_name(layout)) + " " + dtype_to_string(dtype);
      expect_host(reshape(x, {5, 12}), with_shape(ref, {5, 12}), dtype, what);
      expect_host(reshape(x, {-1}), with_shape(ref, {60}), dtype, what);
      expect_host(reshape(x, {2, -1, 3}), with_shape(ref, {2, 10, 3}), dtype, what);
      expect_host(reshape(x, {3, 1, 20, 1}), with_shape(ref, {3, 1, 20, 1}), dtype, what);
    }
  }
}

TEST(ShapeOps, ReshapeInfersAndRejects) {
  auto a = zeros({2, 6});
  EXPECT_EQ(reshape(a, {-1, 4}).shape(), (Shape{3, 4}));
  EXPECT_EQ(reshape(a, {4, -1, 1}).shape(), (Shape{4, 3, 1}));
  EXPECT_EQ(reshape(zeros({0, 3}), {-1}).shape(), (Shape{0}));
  EXPECT_EQ(reshape(array(5.0f), {1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(reshape(a, {2, 6}).id(), a.id()); // same shape: the same array
  EXPECT_THROW(reshape(a, {-1, -1}), std::invalid_argument);
  EXPECT_THROW(reshape(a, {-2, 6}), std::invalid_argument);
  EXPECT_THROW(reshape(a, {5}), std::invalid_argument);
  EXPECT_THROW(reshape(a, {5, -1}), std::invalid_argument);
  EXPECT_THROW(reshape(zeros({0, 3}), {0, -1}), std::invalid_argument);
  // An inferred dimension must fit the shape's element type (the broadcast allocates nothing).
  EXPECT_THROW(reshape(broadcast_to(array(1), {65536, 65536}), {-1}), std::invalid_argument);
  try {
    reshape(a, {7});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[reshape]", 0), 0u) << e.what();
  }
}

TEST(ShapeOps, ReshapeIsAViewWhenStridesAllowIt) {
  auto a = random_array({4, 6}, float32, 3);
  eval(a);
  auto r = reshape(a, {2, 2, 3, 2});
  eval(r);
  EXPECT_TRUE(shares_buffer(r, a));

  // Every other row of a row-contiguous array, split along its rows: still a view.
  auto rows = slice(a, {0, 0}, {4, 6}, {2, 1});
  auto split_rows = reshape(rows, {2, 2, 3});
  eval(split_rows);
  EXPECT_TRUE(shares_buffer(split_rows, a));
  expect_host(split_rows, with_shape(Host(contiguous(rows)), {2, 2, 3}), float32, "rows");

  // A transposed array cannot be flattened without a copy.
  auto t = transpose(a);
  auto flat = reshape(t, {24});
  eval(flat);
  EXPECT_FALSE(shares_buffer(flat, a));
  expect_host(flat, with_shape(transpose_ref(Host(a), {1, 0}), {24}), float32, "transposed");
}

TEST(ShapeOps, ViewsAllocateNothing) {
  auto a = random_array({64, 128}, float32, 4);
  eval(a);
  size_t before = get_active_memory();
  auto t = transpose(a);
  auto s = slice(a, {1, 2}, {60, 100}, {3, 2});
  auto b = broadcast_to(reshape(a, {1, 64, 128}), {5, 64, 128});
  auto r = reshape(a, {128, 64});
  auto e = expand_dims(a, {0, 2});
  auto q = squeeze(e);
  eval(t, s, b, r, e, q);
  EXPECT_EQ(get_active_memory(), before);
  for (const auto& v : {t, s, b, r, e, q}) {
    EXPECT_EQ(v.data_shared_ptr(), a.data_shared_ptr());
  }
  EXPECT_TRUE(shares_buffer(s, a, 1 * 128 + 2));
  EXPECT_EQ(b.strides(), (Strides{0, 128, 1}));
  EXPECT_EQ(t.strides(), (Strides{1, 128}));
}

TEST(ShapeOps, Flatten) {
  auto a = random_array({2, 3, 4, 5}, int16, 5);
  Host ref(a);
  expect_host(flatten(a), with_shape(ref, {120}), int16, "all");
  expect_host(flatten(a, 1, 2), with_shape(ref, {2, 12, 5}), int16, "1..2");
  expect_host(flatten(a, -2, -1), with_shape(ref, {2, 3, 20}), int16, "-2..-1");
  expect_host(flatten(a, 2, 2), ref, int16, "single axis");
  // As MLX, ends outside the axes are clamped.
  expect_host(flatten(a, -10, 10), with_shape(ref, {120}), int16, "clamped");
  auto t = with_layout(a, Layout::Transposed);
  expect_host(flatten(t, 0, 1), with_shape(ref, {6, 4, 5}), int16, "transposed");
  EXPECT_EQ(flatten(array(3)).shape(), Shape{1});
  EXPECT_THROW(flatten(a, 2, 1), std::invalid_argument);
  EXPECT_THROW(flatten(a, 4, 5), std::invalid_argument);
  EXPECT_THROW(flatten(a, -10, -6), std::invalid_argument);
}

TEST(ShapeOps, Unflatten) {
  auto a = random_array({2, 12, 3}, float16, 6);
  Host ref(a);
  expect_host(unflatten(a, 1, {3, 4}), with_shape(ref, {2, 3, 4, 3}), float16, "3x4");
  expect_host(unflatten(a, -2, {2, -1, 2}), with_shape(ref, {2, 2, 3, 2, 3}), float16, "infer");
  expect_host(unflatten(a, 0, {2}), ref, float16, "same");
  EXPECT_THROW(unflatten(a, 1, {}), std::invalid_argument);
  EXPECT_THROW(unflatten(a, 3, {12}), std::invalid_argument);
  EXPECT_THROW(unflatten(a, 1, {-1, -1}), std::invalid_argument);
  EXPECT_THROW(unflatten(a, 1, {5, -1}), std::invalid_argument);
  EXPECT_THROW(unflatten(a, 1, {5, 2}), std::invalid_argument);
  EXPECT_THROW(unflatten(a, 1, {-3, 4}), std::invalid_argument);
}

TEST(ShapeOps, SqueezeAndExpandDims) {
  auto a = random_array({1, 3, 1, 2, 1}, uint32, 7);
  Host ref(a);
  expect_host(squeeze(a), with_shape(ref, {3, 2}), uint32, "all");
  expect_host(squeeze(a, 2), with_shape(ref, {1, 3, 2, 1}), uint32, "2");
  expect_host(squeeze(a, {0, -1}), with_shape(ref, {3, 1, 2}), uint32, "0,-1");
  EXPECT_EQ(squeeze(a, std::vector<int>{}).id(), a.id());
  EXPECT_EQ(squeeze(array(1)).shape(), Shape{});
  EXPECT_THROW(squeeze(a, 1), std::invalid_argument);
  EXPECT_THROW(squeeze(a, 5), std::invalid_argument);
  EXPECT_THROW(squeeze(a, {0, -5}), std::invalid_argument);
  EXPECT_THROW(squeeze(a, {0, 0}), std::invalid_argument);

  auto b = random_array({3, 2}, complex64, 8);
  Host bref(b);
  expect_host(expand_dims(b, 0), with_shape(bref, {1, 3, 2}), complex64, "0");
  expect_host(expand_dims(b, -1), with_shape(bref, {3, 2, 1}), complex64, "-1");
  expect_host(expand_dims(b, {0, 2, 4}), with_shape(bref, {1, 3, 1, 2, 1}), complex64, "0,2,4");
  expect_host(expand_dims(b, {-1, 1}), with_shape(bref, {3, 1, 2, 1}), complex64, "-1,1");
  EXPECT_EQ(expand_dims(array(2), 0).shape(), Shape{1});
  EXPECT_THROW(expand_dims(b, 3), std::invalid_argument);
  EXPECT_THROW(expand_dims(b, -4), std::invalid_argument);
  EXPECT_THROW(expand_dims(b, {1, 1}), std::invalid_argument);
  EXPECT_THROW(expand_dims(b, {0, -4}), std::invalid_argument); // both are axis 0
}

TEST(ShapeOps, AtLeast) {
  auto s = array(2.5f);
  auto v = array({1.0f, 2.0f, 3.0f});
  auto m = zeros({2, 3});
  auto t = zeros({2, 3, 4});
  EXPECT_EQ(atleast_1d(s).shape(), Shape{1});
  EXPECT_EQ(atleast_1d(v).id(), v.id());
  EXPECT_EQ(atleast_2d(s).shape(), (Shape{1, 1}));
  EXPECT_EQ(atleast_2d(v).shape(), (Shape{1, 3}));
  EXPECT_EQ(atleast_2d(m).id(), m.id());
  EXPECT_EQ(atleast_3d(s).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(atleast_3d(v).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(atleast_3d(m).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(atleast_3d(t).id(), t.id());
  EXPECT_EQ(atleast_3d(s).item<float>(), 2.5f);
  auto many = atleast_2d(std::vector<array>{s, v, t});
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0].shape(), (Shape{1, 1}));
  EXPECT_EQ(many[1].shape(), (Shape{1, 3}));
  EXPECT_EQ(many[2].shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(atleast_1d(std::vector<array>{s})[0].shape(), Shape{1});
  EXPECT_EQ(atleast_3d(std::vector<array>{v})[0].shape(), (Shape{1, 3, 1}));
  expect_host(atleast_3d(v), with_shape(Host(v), {1, 3, 1}), float32, "values");
}

TEST(ShapeOps, TransposeEveryPermutationDtypeAndLayout) {
  uint32_t seed = 10;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({2, 3, 4}, dtype, seed++);
    Host ref(a);
    for (auto layout : all_layouts()) {
      auto x = with_layout(a, layout);
      std::vector<int> perm = {0, 1, 2};
      do {
        expect_host(transpose(x, perm), transpose_ref(ref, perm), dtype,
                    std::string(layout_name(layout)) + " " + dtype_to_string(dtype));
      } while (std::next_permutation(perm.begin(), perm.end()));
      expect_host(transpose(x), transpose_ref(ref, {2, 1, 0}), dtype, "default");
    }
  }
  auto a = zeros({2, 3, 4});
  expect_host(transpose(a, {-1, 0, -2}), transpose_ref(Host(a), {2, 0, 1}), float32, "negative");
  EXPECT_THROW(transpose(a, {0, 1}), std::invalid_argument);
  EXPECT_THROW(transpose(a, {0, 1, 1}), std::invalid_argument);
  EXPECT_THROW(transpose(a, {0, 1, 3}), std::invalid_argument);
  EXPECT_EQ(transpose(array(1)).shape(), Shape{});
}

TEST(ShapeOps, SwapAndMoveAxes) {
  auto a = random_array({2, 3, 4, 5}, bfloat16, 20);
  Host ref(a);
  expect_host(swapaxes(a, 0, 2), transpose_ref(ref, {2, 1, 0, 3}), bfloat16, "swap");
  expect_host(swapaxes(a, -1, 1), transpose_ref(ref, {0, 3, 2, 1}), bfloat16, "swap neg");
  expect_host(moveaxis(a, 0, 3), transpose_ref(ref, {1, 2, 3, 0}), bfloat16, "move 0->3");
  expect_host(moveaxis(a, -1, 1), transpose_ref(ref, {0, 3, 1, 2}), bfloat16, "move -1->1");
  expect_host(moveaxis(a, 2, 2), ref, bfloat16, "move none");
  EXPECT_THROW(swapaxes(a, 0, 4), std::invalid_argument);
  EXPECT_THROW(swapaxes(a, -5, 0), std::invalid_argument);
  EXPECT_THROW(moveaxis(a, 4, 0), std::invalid_argument);
  EXPECT_THROW(moveaxis(a, 0, -5), std::invalid_argument);
}

TEST(ShapeOps, BroadcastTo) {
  uint32_t seed = 30;
  for (auto dtype : all_dtypes()) {
    auto a = random_array({3, 1}, dtype, seed++);
    Host ref(a);
    auto b = broadcast_to(a, {2, 3, 4});
    Host expected({2, 3, 4}, 0);
    for (int64_t i = 0; i < 24; ++i) {
      auto idx = unravel(i, expected.shape);
      expected.v[i] = ref.at({idx[1], 0});
    }
    expect_host(b, expected, dtype, dtype_to_string(dtype));
  }
  auto a = zeros({3, 1});
  EXPECT_EQ(broadcast_to(a, {3, 1}).id(), a.id());
  EXPECT_EQ(broadcast_to(a, {3, 0}).shape(), (Shape{3, 0}));
  EXPECT_THROW(broadcast_to(a, {3}), std::invalid_argument);
  EXPECT_THROW(broadcast_to(a, {2, 4}), std::invalid_argument);
  EXPECT_THROW(broadcast_to(a, {-1, 3, 4}), std::invalid_argument);

  auto outs = broadcast_arrays({zeros({3, 1}), ones({4}), array(2.0f)});
  ASSERT_EQ(outs.size(), 3u);
  for (const auto& o : outs) {
    EXPECT_EQ(o.shape(), (Shape{3, 4}));
  }
  EXPECT_EQ(values(outs[2]), std::vector<double>(12, 2.0));
  EXPECT_TRUE(broadcast_arrays({}).empty());
  EXPECT_THROW(broadcast_arrays({zeros({3}), zeros({4})}), std::invalid_argument);
}

TEST(ShapeOps, AsStrided) {
  auto a = arange(10);
  // Sliding windows of 3 with step 2.
  expect_host(as_strided(a, {4, 3}, {2, 1}, 1),
              with_shape(Host(array({1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9}, int32)), {4, 3}), int32,
              "windows");
  // The input's logical (row-major) order counts, whatever its layout.
  auto m = reshape(arange(12), {3, 4});
  auto t = transpose(m); // logical order 0 4 8 1 5 9 ...
  expect_host(as_strided(t, {2, 2}, {1, 3}, 0),
              with_shape(Host(array({0, 1, 4, 5}, int32)), {2, 2}), int32, "transposed");
  // Negative strides stay inside the array.
  expect_host(as_strided(a, {3}, {-3}, 9), Host(array({9, 6, 3}, int32)), int32, "negative");
  EXPECT_EQ(as_strided(a, {0, 5}, {100, 100}, 50).size(), 0u);
  EXPECT_THROW(as_strided(a, {2, 2}, {1}, 0), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {-1}, {1}, 0), std::invalid_argument);
  EXPECT_THROW(as_strided(a, {4}, {3}, 1), std::invalid_argument);  // reaches element 10
  EXPECT_THROW(as_strided(a, {3}, {-3}, 5), std::invalid_argument); // reaches element -1
}

TEST(ShapeOps, ViewReinterpretsBytes) {
  auto f = array({1.0f, -2.0f, 0.5f});
  auto bits = view(f, uint32);
  EXPECT_EQ(bits.shape(), Shape{3});
  EXPECT_EQ(values(bits), (std::vector<double>{0x3f800000u, 0xc0000000u, 0x3f000000u}));
  auto bytes = view(f, uint8);
  EXPECT_EQ(bytes.shape(), Shape{12});
  EXPECT_EQ(values(bytes)[3], 0x3f);
  auto back = view(bytes, float32);
  EXPECT_EQ(values(back), (std::vector<double>{1.0, -2.0, 0.5}));
  auto halves = view(reshape(f, {1, 3}), float16);
  EXPECT_EQ(halves.shape(), (Shape{1, 6}));
  EXPECT_EQ(view(array({true, false}), uint8).dtype(), uint8);
  EXPECT_EQ(values(view(array({true, false}), uint8)), (std::vector<double>{1, 0}));
  EXPECT_EQ(view(f, float32).id(), f.id());
  // A strided input is made contiguous before its element size changes.
  auto m = reshape(arange(0.0, 6.0, 1.0, float32), {2, 3});
  auto tv = view(transpose(m), int16);
  EXPECT_EQ(tv.shape(), (Shape{3, 4}));
  auto tback = view(tv, float32);
  EXPECT_EQ(values(tback), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  // Same-size views keep sharing the buffer.
  eval(m);
  auto same = view(m, int32);
  eval(same);
  EXPECT_TRUE(shares_buffer(same, m));
  EXPECT_THROW(view(array(1.0f), uint8), std::invalid_argument);
  EXPECT_THROW(view(array({1, 2, 3}, uint8), int16), std::invalid_argument);
}

TEST(ShapeOps, NumberOfElements) {
  auto a = zeros({2, 3, 4});
  EXPECT_EQ(number_of_elements(a, {0, 2}, false).item<int>(), 8);
  EXPECT_EQ(number_of_elements(a, {-1}, false, float32).item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(number_of_elements(a, {1, 2}, true, float32).item<float>(), 1.0f / 12);
  EXPECT_EQ(number_of_elements(a, {}, false).item<int>(), 1);
  EXPECT_EQ(number_of_elements(a, {0}, false).dtype(), int32);
  EXPECT_EQ(number_of_elements(a, {0}, false, float16).dtype(), float16);
  EXPECT_THROW(number_of_elements(a, {3}, false), std::invalid_argument);
  EXPECT_THROW(number_of_elements(a, {-4}, false), std::invalid_argument);
}

TEST(ShapeOps, DependsEvaluatesDependencies) {
  auto x = array({1.0f, 2.0f});
  auto y = x * 2.0f;
  auto dep = array({5, 6}) + 1;
  auto outs = depends({y}, {dep});
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].shape(), Shape{2});
  eval(outs[0]);
  EXPECT_EQ(values(outs[0]), (std::vector<double>{2, 4}));
  EXPECT_TRUE(dep.is_available());
  EXPECT_EQ(values(dep), (std::vector<double>{6, 7}));
  auto two = depends({x, dep}, {y});
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].dtype(), int32);
  EXPECT_EQ(values(two[1]), (std::vector<double>{6, 7}));
  EXPECT_TRUE(depends({}, {y}).empty());
}

TEST(ShapeOps, Meshgrid) {
  auto x = array({1, 2, 3});
  auto y = array({4, 5});
  auto xy = meshgrid({x, y});
  ASSERT_EQ(xy.size(), 2u);
  EXPECT_EQ(xy[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(values(xy[0]), (std::vector<double>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(values(xy[1]), (std::vector<double>{4, 4, 4, 5, 5, 5}));
  auto ij = meshgrid({x, y}, false, "ij");
  EXPECT_EQ(ij[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(values(ij[0]), (std::vector<double>{1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(values(ij[1]), (std::vector<double>{4, 5, 4, 5, 4, 5}));
  auto sparse = meshgrid({x, y}, true);
  EXPECT_EQ(sparse[0].shape(), (Shape{1, 3}));
  EXPECT_EQ(sparse[1].shape(), (Shape{2, 1}));
  auto three = meshgrid({x, y, array({7.0f})}, false, "ij");
  EXPECT_EQ(three[2].shape(), (Shape{3, 2, 1}));
  EXPECT_THROW(meshgrid({x, y}, false, "xyz"), std::invalid_argument);
}

TEST(ShapeOps, ContiguousAndCopy) {
  auto a = random_array({3, 5}, float32, 40);
  eval(a);
  auto same = contiguous(a);
  eval(same);
  EXPECT_TRUE(shares_buffer(same, a)); // already row-major: no copy
  auto t = transpose(a);
  auto rows = contiguous(t);
  eval(rows);
  EXPECT_FALSE(shares_buffer(rows, a));
  EXPECT_TRUE(rows.flags().row_contiguous);
  EXPECT_EQ(rows.strides(), (Strides{3, 1}));
  expect_host(rows, transpose_ref(Host(a), {1, 0}), float32, "transposed");
  auto cols = contiguous(t, true); // column-major is allowed: the transpose is kept
  eval(cols);
  EXPECT_TRUE(shares_buffer(cols, a));
  auto rev = contiguous(with_layout(a, Layout::Reversed));
  eval(rev);
  EXPECT_TRUE(rev.flags().row_contiguous);
  expect_host(rev, Host(a), float32, "reversed");
  auto c = copy(a);
  eval(c);
  EXPECT_FALSE(shares_buffer(c, a));
  expect_host(c, Host(a), float32, "copy");
}
