// Convolutions against float64 loops written from the definitions: a direct correlation over
// the dilated, padded input for conv_general, and a scatter of each input element for the
// transposed convolutions.
#include <gtest/gtest.h>

#include "mlx/mlx.h"

#include "matmul_reference.h"

using namespace mlx::core;
using namespace mlx::core::test;

namespace {

struct ConvParams {
  std::vector<int> stride, lo, hi, kdil, idil;
  int groups = 1;
  bool flip = false;
};

// Multi-index helpers over a spatial shape.
std::vector<int> unravel(int64_t flat, const std::vector<int>& shape) {
  std::vector<int> idx(shape.size());
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    idx[i] = static_cast<int>(flat % shape[i]);
    flat /= shape[i];
  }
  return idx;
}
int64_t volume(const std::vector<int>& shape) {
  int64_t v = 1;
  for (int d : shape) {
    v *= d;
  }
  return v;
}

Reference reference_conv(const array& in, const array& wt, const ConvParams& p) {
  auto iv = values(in), wv = values(wt);
  const int spatial = static_cast<int>(in.ndim()) - 2;
  const int N = in.shape(0), C = in.shape(-1), O = wt.shape(0);
  const int Cg = C / p.groups, Og = O / p.groups;
  std::vector<int> size(spatial), kernel(spatial), out_size(spatial);
  for (int i = 0; i < spatial; ++i) {
    size[i] = in.shape(i + 1);
    kernel[i] = wt.shape(i + 1);
    int dilated = (size[i] - 1) * p.idil[i] + 1 + p.lo[i] + p.hi[i];
    out_size[i] = (dilated - ((kernel[i] - 1) * p.kdil[i] + 1)) / p.stride[i] + 1;
  }
  Reference ref;
  ref.shape = {N};
  ref.shape.insert(ref.shape.end(), out_size.begin(), out_size.end());
  ref.shape.push_back(O);
  const int64_t positions = volume(out_size), taps = volume(kernel), in_positions = volume(size);
  for (int n = 0; n < N; ++n) {
    for (int64_t pos = 0; pos < positions; ++pos) {
      auto q = unravel(pos, out_size);
      for (int o = 0; o < O; ++o) {
        const int g = o / Og;
        double sum = 0, mag = 0;
        for (int64_t t = 0; t < taps; ++t) {
          auto k = unravel(t, kernel);
          int64_t src = 0;
          bool hit = true;
          for (int i = 0; i < spatial && hit; ++i) {
            int tap = p.flip ? kernel[i] - 1 - k[i] : k[i];
            int x = q[i] * p.stride[i] + tap * p.kdil[i] - p.lo[i];
            hit = x >= 0 && x % p.idil[i] == 0 && x / p.idil[i] < size[i];
            src = src * size[i] + x / p.idil[i];
          }
          if (!hit) {
            continue;
          }
          for (int c = 0; c < Cg; ++c) {
            double v = iv[(n * in_positions + src) * C + g * Cg + c] * wv[(o * taps + t) * Cg + c];
            sum += v;
            mag += std::abs(v);
          }
        }
        ref.value.push_back(sum);
        ref.magnitude.push_back(mag);
      }
    }
  }
  return ref;
}

// Transposed convolution as a scatter: out[y = x * stride + k * dilation - padding] +=
// in[x] * w[k], with the output size (in - 1) * stride - 2 * padding + dilation * (K - 1) + 1
// + output_padding.
Reference reference_conv_transpose(const array& in, const array& wt, std::vector<int> stride,
                                   std::vector<int> padding, std::vector<int> dilation,
                                   std::vector<int> output_padding, int groups) {
  auto iv = values(in), wv = values(wt);
  const int spatial = static_cast<int>(in.ndim()) - 2;
  const int N = in.shape(0), C = in.shape(-1), O = wt.shape(0);
  const int Cg = C / groups, Og = O / groups;
  std::vector<int> size(spatial), kernel(spatial), out_size(spatial);
  for (int i = 0; i < spatial; ++i) {
    size[i] = in.shape(i + 1);
    kernel[i] = wt.shape(i + 1);
    out_size[i] = (size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + 1 +
                  output_padding[i];
  }
  Reference ref;
  ref.shape = {N};
  ref.shape.insert(ref.shape.end(), out_size.begin(), out_size.end());
  ref.shape.push_back(O);
  const int64_t positions = volume(out_size), taps = volume(kernel), in_positions = volume(size);
  ref.value.assign(N * positions * O, 0.0);
  ref.magnitude.assign(N * positions * O, 0.0);
  for (int n = 0; n < N; ++n) {
    for (int64_t xp = 0; xp < in_positions; ++xp) {
      auto x = unravel(xp, size);
      for (int64_t t = 0; t < taps; ++t) {
        auto k = unravel(t, kernel);
        int64_t dst = 0;
        bool hit = true;
        for (int i = 0; i < spatial && hit; ++i) {
          int y = x[i] * stride[i] + k[i] * dilation[i] - padding[i];
          hit = y >= 0 && y < out_size[i];
          dst = dst * out_size[i] + y;
        }
        if (!hit) {
          continue;
        }
        for (int o = 0; o < O; ++o) {
          const int g = o / Og;
          for (int c = 0; c < Cg; ++c) {
            double v = iv[(n * in_positions + xp) * C + g * Cg + c] * wv[(o * taps + t) * Cg + c];
            ref.value[(n * positions + dst) * O + o] += v;
            ref.magnitude[(n * positions + dst) * O + o] += std::abs(v);
          }
        }
      }
    }
  }
  return ref;
}

ConvParams plain(int spatial, std::vector<int> stride, std::vector<int> pad,
                 std::vector<int> dilation, int groups = 1) {
  return {stride, pad, pad, dilation, std::vector<int>(spatial, 1), groups, false};
}

// conv_general through its padding_lo/padding_hi overload (typed vectors keep the call
// unambiguous between MLX's two overloads).
array general(const array& in, const array& wt, const ConvParams& p) {
  return conv_general(in, wt, p.stride, p.lo, p.hi, p.kdil, p.idil, p.groups, p.flip);
}

int depth(const array& wt) {
  int taps = 1;
  for (size_t i = 1; i + 1 < wt.ndim(); ++i) {
    taps *= wt.shape(i);
  }
  return taps * wt.shape(-1);
}

} // namespace

TEST(Conv, Conv1dMatchesReference) {
  std::mt19937 rng(31);
  for (auto dtype : {float32, float64, float16, bfloat16}) {
    for (int stride : {1, 2}) {
      for (int pad : {0, 1, 3}) {
        for (int dil : {1, 2}) {
          SCOPED_TRACE(testing::Message()
                       << dtype << " stride " << stride << " pad " << pad << " dilation " << dil);
          auto in = random_array({2, 13, 3}, dtype, rng);
          auto wt = random_array({5, 3, 3}, dtype, rng);
          auto out = conv1d(in, wt, stride, pad, dil);
          expect_matches(out, reference_conv(in, wt, plain(1, {stride}, {pad}, {dil})), depth(wt),
                         dtype);
        }
      }
    }
  }
}

TEST(Conv, Conv2dMatchesReference) {
  std::mt19937 rng(32);
  for (auto dtype : {float32, float64, float16, bfloat16}) {
    SCOPED_TRACE(testing::Message() << dtype);
    auto in = random_array({2, 11, 9, 4}, dtype, rng);
    auto wt = random_array({6, 3, 2, 4}, dtype, rng);
    expect_matches(conv2d(in, wt), reference_conv(in, wt, plain(2, {1, 1}, {0, 0}, {1, 1})),
                   depth(wt), dtype);
    expect_matches(conv2d(in, wt, {2, 3}, {1, 2}, {2, 1}),
                   reference_conv(in, wt, plain(2, {2, 3}, {1, 2}, {2, 1})), depth(wt), dtype);
    // Two groups of two input and three output channels.
    auto wg = random_array({6, 3, 3, 2}, dtype, rng);
    expect_matches(conv2d(in, wg, {1, 1}, {1, 1}, {1, 1}, 2),
                   reference_conv(in, wg, plain(2, {1, 1}, {1, 1}, {1, 1}, 2)), depth(wg), dtype);
  }
}

TEST(Conv, Conv3dMatchesReference) {
  std::mt19937 rng(33);
  for (auto dtype : {float32, bfloat16}) {
    auto in = random_array({1, 5, 6, 7, 3}, dtype, rng);
    auto wt = random_array({4, 2, 3, 2, 3}, dtype, rng);
    expect_matches(conv3d(in, wt, {1, 2, 1}, {1, 0, 1}, {2, 1, 1}),
                   reference_conv(in, wt, plain(3, {1, 2, 1}, {1, 0, 1}, {2, 1, 1})), depth(wt),
                   dtype);
  }
}

TEST(Conv, GeneralPaddingDilationAndFlip) {
  std::mt19937 rng(34);
  auto in = random_array({2, 7, 6, 3}, float32, rng);
  auto wt = random_array({4, 3, 2, 3}, float32, rng);
  ConvParams p{{2, 1}, {2, 0}, {1, 3}, {1, 2}, {2, 3}, 1, true};
  expect_matches(general(in, wt, p), reference_conv(in, wt, p), depth(wt), float32);
  p.flip = false;
  expect_matches(general(in, wt, p), reference_conv(in, wt, p), depth(wt), float32);
  // One value applies to every axis; the symmetric-padding overload.
  auto sym = conv_general(in, wt, std::vector<int>{1}, std::vector<int>{1}, std::vector<int>{2},
                          std::vector<int>{1}, 1, false);
  expect_matches(sym, reference_conv(in, wt, plain(2, {1, 1}, {1, 1}, {2, 2})), depth(wt), float32);
  // Negative padding crops.
  auto cropped = general(in, wt, {{1, 1}, {-1, 0}, {0, -2}, {1, 1}, {1, 1}});
  auto inner = slice(in, {0, 1, 0, 0}, {2, 7, 4, 3});
  expect_matches(cropped, reference_conv(inner, wt, plain(2, {1, 1}, {0, 0}, {1, 1})), depth(wt),
                 float32);
}

TEST(Conv, DepthwiseAndPointwise) {
  std::mt19937 rng(35);
  for (auto dtype : {float32, float16, bfloat16}) {
    SCOPED_TRACE(testing::Message() << dtype);
    // Depthwise causal conv1d as in Mamba: groups = channels, left padding only.
    auto x = random_array({2, 19, 8}, dtype, rng);
    auto w = random_array({8, 4, 1}, dtype, rng);
    ConvParams causal{{1}, {3}, {0}, {1}, {1}, 8, false};
    expect_matches(general(x, w, causal), reference_conv(x, w, causal), 4, dtype);
    // Depthwise 2-D with stride and padding; and a channel multiplier (2 outputs per group).
    auto img = random_array({1, 9, 10, 6}, dtype, rng);
    auto dw = random_array({6, 3, 3, 1}, dtype, rng);
    expect_matches(conv2d(img, dw, {2, 1}, {1, 1}, {1, 1}, 6),
                   reference_conv(img, dw, plain(2, {2, 1}, {1, 1}, {1, 1}, 6)), 9, dtype);
    auto dm = random_array({12, 3, 3, 1}, dtype, rng);
    expect_matches(conv2d(img, dm, {1, 1}, {1, 1}, {1, 1}, 6),
                   reference_conv(img, dm, plain(2, {1, 1}, {1, 1}, {1, 1}, 6)), 9, dtype);
    // 1x1 kernels, with and without groups.
    auto pw = random_array({5, 1, 1, 6}, dtype, rng);
    expect_matches(conv2d(img, pw), reference_conv(img, pw, plain(2, {1, 1}, {0, 0}, {1, 1})), 6,
                   dtype);
    auto pg = random_array({4, 1, 1, 3}, dtype, rng);
    expect_matches(conv2d(img, pg, {1, 1}, {0, 0}, {1, 1}, 2),
                   reference_conv(img, pg, plain(2, {1, 1}, {0, 0}, {1, 1}, 2)), 3, dtype);
  }
}

TEST(Conv, StridedOperandsAndLargeInputs) {
  std::mt19937 rng(36);
  // An NCHW array viewed channels-last, and a weight stored [C_out, C_in, kh, kw].
  auto nchw = random_array({2, 3, 10, 8}, float32, rng);
  auto in = transpose(nchw, {0, 2, 3, 1});
  auto oihw = random_array({4, 3, 3, 3}, float32, rng);
  auto wt = transpose(oihw, {0, 2, 3, 1});
  expect_matches(conv2d(in, wt, {1, 1}, {1, 1}),
                 reference_conv(in, wt, plain(2, {1, 1}, {1, 1}, {1, 1})), 27, float32);
  // Enough unfolded rows to need several blocks.
  auto big = random_array({1, 40, 40, 512}, float32, rng);
  auto bw = random_array({8, 3, 3, 512}, float32, rng);
  expect_matches(conv2d(big, bw, {1, 1}, {1, 1}),
                 reference_conv(big, bw, plain(2, {1, 1}, {1, 1}, {1, 1})), depth(bw), float32);
}

TEST(Conv, TransposedMatchesScatter) {
  std::mt19937 rng(37);
  for (auto dtype : {float32, bfloat16}) {
    SCOPED_TRACE(testing::Message() << dtype);
    auto x = random_array({2, 7, 4}, dtype, rng);
    auto w = random_array({3, 3, 4}, dtype, rng);
    for (auto [stride, pad, dil, outpad] :
         {std::tuple{1, 0, 1, 0}, {2, 1, 1, 1}, {3, 2, 2, 0}, {2, 0, 3, 1}}) {
      expect_matches(conv_transpose1d(x, w, stride, pad, dil, outpad),
                     reference_conv_transpose(x, w, {stride}, {pad}, {dil}, {outpad}, 1), 12,
                     dtype);
    }
    auto img = random_array({1, 5, 4, 4}, dtype, rng);
    auto w2 = random_array({6, 3, 2, 2}, dtype, rng);
    expect_matches(conv_transpose2d(img, w2, {2, 1}, {1, 0}, {1, 2}, {1, 0}, 2),
                   reference_conv_transpose(img, w2, {2, 1}, {1, 0}, {1, 2}, {1, 0}, 2), 12, dtype);
    auto vol = random_array({1, 3, 4, 3, 2}, dtype, rng);
    auto w3 = random_array({3, 2, 2, 3, 2}, dtype, rng);
    expect_matches(conv_transpose3d(vol, w3, {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, {1, 0, 0}),
                   reference_conv_transpose(vol, w3, {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, {1, 0, 0}, 1),
                   24, dtype);
  }
}

TEST(Conv, PromotesTypes) {
  auto in = ones({1, 4, 2}, float16);
  auto wt = ones({3, 2, 2}, float32);
  auto out = conv1d(in, wt);
  EXPECT_EQ(out.dtype(), float32);
  EXPECT_EQ(values(out), std::vector<double>(9, 4.0));
  EXPECT_EQ(conv1d(in, ones({3, 2, 2}, int32)).dtype(), float16);
}

TEST(Conv, Errors) {
  auto in = ones({1, 8, 4});
  auto wt = ones({2, 3, 4});
  EXPECT_THROW(conv1d(ones({1, 8, 4}, int32), ones({2, 3, 4}, int32)), std::invalid_argument);
  EXPECT_THROW(conv1d(ones({8, 4}), wt), std::invalid_argument);
  EXPECT_THROW(general(ones({1, 2, 2, 2, 2, 4}), ones({2, 1, 1, 1, 1, 4}),
                       {{1, 1, 1, 1}, {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 1}}),
               std::invalid_argument);
  EXPECT_THROW(conv1d(in, ones({2, 3, 3, 4})), std::invalid_argument);
  EXPECT_THROW(conv1d(in, ones({2, 3, 3})), std::invalid_argument);
  EXPECT_THROW(conv1d(in, ones({2, 3, 2}), 1, 0, 1, 3), std::invalid_argument); // 4 % 3
  EXPECT_THROW(conv1d(in, ones({3, 3, 2}), 1, 0, 1, 2), std::invalid_argument); // 3 % 2
  EXPECT_THROW(conv1d(in, wt, 1, 0, 1, 0), std::invalid_argument);
  EXPECT_THROW(
      conv3d(ones({1, 4, 4, 4, 4}), ones({2, 1, 1, 1, 2}), {1, 1, 1}, {0, 0, 0}, {1, 1, 1}, 2),
      std::invalid_argument);
  EXPECT_THROW(conv1d(in, wt, 0), std::invalid_argument);
  EXPECT_THROW(conv1d(in, wt, 1, 0, 0), std::invalid_argument);
  EXPECT_THROW(conv1d(in, wt, 1, 0, -1), std::invalid_argument);
  EXPECT_THROW(conv1d(in, ones({2, 9, 4})), std::invalid_argument);
  EXPECT_THROW(conv1d(in, wt, 1, 0, 4), std::invalid_argument); // dilated kernel 9 > 8
  EXPECT_THROW(general(in, wt, {{1, 1}, {0}, {0}, {1}, {1}}), std::invalid_argument);
  EXPECT_THROW(general(in, wt, {{1}, {0}, {0}, {1}, {0}}), std::invalid_argument);
  EXPECT_THROW(general(in, wt, {{1}, {0}, {-9}, {1}, {1}}), std::invalid_argument);
  EXPECT_THROW(conv_transpose1d(in, wt, 0), std::invalid_argument);
  EXPECT_THROW(conv_transpose1d(ones({8, 4}), wt), std::invalid_argument);
  try {
    conv1d(in, ones({2, 3, 3}));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("[conv]", 0), 0u) << e.what();
  }
}
