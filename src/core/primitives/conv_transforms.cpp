// The vjp of a convolution, as the vjp of the same convolution written with differentiable
// ops: dilate and pad the input, cut one strided slice per kernel tap (im2col), and contract
// taps and channels with the (flipped) kernel by one matrix product per group. The backward
// pass materializes the taps, so it costs kernel-size times the input's memory.
#include <numeric>

#include "mlx/ops.h"

#include "core/primitives/conv.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {

struct ConvParams {
  std::vector<int> stride, padding_lo, padding_hi, kernel_dilation, input_dilation;
  int groups;
  bool flip;
};

// (input_dilation - 1) zeros between the elements of spatial axis `ax`.
array dilate(const array& x, int ax, int factor, Stream s) {
  if (factor == 1 || x.shape(ax) == 0) {
    return x;
  }
  int n = x.shape(ax);
  auto spread = pad(expand_dims(x, ax + 1, s), {ax + 1}, {0}, {factor - 1}, array(0, x.dtype()),
                    "constant", s);
  Shape merged = x.shape();
  merged[ax] = n * factor;
  auto flat = reshape(spread, merged, s);
  Shape start(x.ndim(), 0);
  Shape stop = merged;
  stop[ax] = (n - 1) * factor + 1;
  return slice(flat, start, stop, s);
}

array convolve(const array& in, const array& wt, const ConvParams& p, const Shape& out_shape,
               Stream s) {
  int spatial = static_cast<int>(in.ndim()) - 2;
  auto x = in;
  for (int i = 0; i < spatial; ++i) {
    x = dilate(x, i + 1, p.input_dilation[i], s);
  }
  std::vector<int> axes(spatial);
  std::iota(axes.begin(), axes.end(), 1);
  x = pad(x, axes, Shape(p.padding_lo.begin(), p.padding_lo.end()),
          Shape(p.padding_hi.begin(), p.padding_hi.end()), array(0, x.dtype()), "constant", s);

  // One strided slice of x per kernel tap, taps in the weight's row-major order.
  Shape kernel(wt.shape().begin() + 1, wt.shape().end() - 1);
  int taps = std::accumulate(kernel.begin(), kernel.end(), 1, std::multiplies<>());
  std::vector<array> patches;
  for (int t = 0; t < taps; ++t) {
    Shape start(x.ndim(), 0);
    Shape stop = x.shape();
    Shape step(x.ndim(), 1);
    int rest = t;
    for (int i = spatial - 1; i >= 0; --i) {
      int k = rest % kernel[i];
      rest /= kernel[i];
      int offset = k * p.kernel_dilation[i];
      start[i + 1] = offset;
      stop[i + 1] = offset + (out_shape[i + 1] - 1) * p.stride[i] + 1;
      step[i + 1] = p.stride[i];
    }
    patches.push_back(slice(x, start, stop, step, s));
  }
  // [N, O..., T, G, Cg] -> [G, N*O, T*Cg]
  int G = p.groups;
  int cg = in.shape(-1) / G;
  int rows = static_cast<int>(
      std::accumulate(out_shape.begin(), out_shape.end() - 1, int64_t{1}, std::multiplies<>()));
  auto cols = reshape(stack(patches, -2, s), {rows, taps, G, cg}, s);
  cols = reshape(transpose(cols, {2, 0, 1, 3}, s), {G, rows, taps * cg}, s);

  // Weight [Cout, K..., Cg] (taps reversed when flipping) -> [G, T*Cg, Cout/G]
  auto w = wt;
  if (p.flip) {
    Shape start(w.ndim(), 0);
    Shape stop = w.shape();
    Shape step(w.ndim(), 1);
    for (int i = 1; i <= spatial; ++i) {
      start[i] = -1;
      stop[i] = -w.shape(i) - 1;
      step[i] = -1;
    }
    w = slice(w, start, stop, step, s);
  }
  int cout = wt.shape(0);
  w = reshape(w, {G, cout / G, taps * cg}, s);
  auto prod = matmul(cols, swapaxes(w, -1, -2, s), s); // [G, rows, Cout/G]
  return reshape(transpose(prod, {1, 0, 2}, s), out_shape, s);
}

} // namespace

std::vector<array> Convolution::vjp(const std::vector<array>& primals,
                                    const std::vector<array>& cotangents,
                                    const std::vector<int>& argnums,
                                    const std::vector<array>& outputs) {
  auto s = stream();
  ConvParams p{stride_,         padding_lo_, padding_hi_, kernel_dilation_,
               input_dilation_, groups_,     flip_};
  Shape out_shape = cotangents[0].shape();
  auto fun = [p, out_shape, s](const std::vector<array>& in) {
    return convolve(in[0], in[1], p, out_shape, s);
  };
  return vjp_of_composition(fun, primals, cotangents[0], argnums);
}

} // namespace mlx::core
