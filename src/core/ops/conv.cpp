// Convolutions: conv1d/2d/3d, their transposes and conv_general, with MLX's channels-last
// layouts. A transposed convolution is a convolution of the stride-dilated input with the
// flipped kernel.
#include "core/primitives/conv.h"

#include "core/ops/ops_common.h"

namespace mlx::core {

namespace {

std::string shape_text(const Shape& shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

void check_conv_inputs(const array& in, const array& wt, int groups) {
  int spatial = static_cast<int>(in.ndim()) - 2;
  if (spatial < 1 || spatial > 3) {
    throw op_error("conv",
                   "Only works for inputs with 1-3 spatial dimensions. The inputs must "
                   "be in the format [N, ..., C_in], got shape ",
                   shape_text(in.shape()), ".");
  }
  if (!issubdtype(in.dtype(), floating)) {
    throw op_error("conv", "Invalid input array with type ", in.dtype(),
                   ". Convolution currently only supports floating point types.");
  }
  if (wt.ndim() != in.ndim()) {
    throw op_error("conv", "Invalid weight array with ", wt.ndim(), " dimensions for ", spatial,
                   "D convolution. Expected an array with ", spatial + 2,
                   " dimensions following the format [C_out, ..., C_in].");
  }
  if (groups <= 0) {
    throw op_error("conv", "The number of groups must be positive, got ", groups, ".");
  }
  if (groups != 1 && spatial == 3) {
    throw op_error("conv", "Can only handle groups != 1 in 1D or 2D convolutions.");
  }
  int channels = in.shape(-1);
  if (channels % groups != 0) {
    throw op_error("conv",
                   "The input channels must be divisible by the number of groups. Got "
                   "input with shape ",
                   shape_text(in.shape()), " and ", groups, " groups.");
  }
  if (wt.shape(0) % groups != 0) {
    throw op_error("conv", "The output channels must be divisible by the number of groups. Got ",
                   wt.shape(0), " output channels and ", groups, " groups.");
  }
  if (channels != groups * wt.shape(-1)) {
    throw op_error("conv", "Expected ", groups * wt.shape(-1),
                   " input channels for weights of shape ", shape_text(wt.shape()), " and ", groups,
                   " groups, but the input has shape ", shape_text(in.shape()), ".");
  }
}

// A parameter given as one value (or none) applies to every spatial axis.
std::vector<int> per_axis(std::vector<int> v, int spatial, int fallback) {
  if (v.size() <= 1) {
    return std::vector<int>(spatial, v.empty() ? fallback : v[0]);
  }
  return v;
}

array conv_transpose_general(const array& in, const array& wt, std::vector<int> stride,
                             std::vector<int> padding, std::vector<int> dilation,
                             std::vector<int> output_padding, int groups, StreamOrDevice s) {
  check_conv_inputs(in, wt, groups);
  int spatial = static_cast<int>(in.ndim()) - 2;
  std::vector<int> lo(spatial), hi(spatial);
  for (int i = 0; i < spatial; ++i) {
    if (stride[i] <= 0 || dilation[i] <= 0) {
      throw op_error("conv", "Stride and dilation sizes must be positive.");
    }
    // Pad the stride-dilated input so that every output position sees the whole kernel.
    int kernel = dilation[i] * (wt.shape(i + 1) - 1) + 1;
    lo[i] = kernel - 1 - padding[i];
    hi[i] = kernel - 1 - padding[i] + output_padding[i];
  }
  return conv_general(in, wt, std::vector<int>(spatial, 1), std::move(lo), std::move(hi),
                      std::move(dilation), std::move(stride), groups, true, s);
}

} // namespace

array conv_general(array in, array wt, std::vector<int> stride, std::vector<int> padding_lo,
                   std::vector<int> padding_hi, std::vector<int> kernel_dilation,
                   std::vector<int> input_dilation, int groups, bool flip, StreamOrDevice s) {
  check_conv_inputs(in, wt, groups);
  int spatial = static_cast<int>(in.ndim()) - 2;
  auto out_type = promote_types(in.dtype(), wt.dtype());
  in = cast_if_needed(in, out_type, s);
  wt = cast_if_needed(wt, out_type, s);
  stride = per_axis(std::move(stride), spatial, 1);
  padding_lo = per_axis(std::move(padding_lo), spatial, 0);
  padding_hi = per_axis(std::move(padding_hi), spatial, 0);
  kernel_dilation = per_axis(std::move(kernel_dilation), spatial, 1);
  input_dilation = per_axis(std::move(input_dilation), spatial, 1);

  // Negative padding crops the input instead.
  if (padding_lo.size() == static_cast<size_t>(spatial) &&
      padding_hi.size() == static_cast<size_t>(spatial)) {
    Shape start(in.ndim(), 0);
    Shape stop = in.shape();
    bool crop = false;
    for (int i = 0; i < spatial; ++i) {
      if (padding_lo[i] < 0) {
        start[i + 1] = -padding_lo[i];
        padding_lo[i] = 0;
        crop = true;
      }
      if (padding_hi[i] < 0) {
        stop[i + 1] = std::max(start[i + 1], stop[i + 1] + padding_hi[i]);
        padding_hi[i] = 0;
        crop = true;
      }
    }
    if (crop) {
      in = slice(in, std::move(start), std::move(stop), s);
    }
  }
  auto out_shape = Convolution::conv_out_shape(in.shape(), wt.shape(), stride, padding_lo,
                                               padding_hi, kernel_dilation, input_dilation);
  return array(std::move(out_shape), out_type,
               std::make_shared<Convolution>(to_stream(s), std::move(stride), std::move(padding_lo),
                                             std::move(padding_hi), std::move(kernel_dilation),
                                             std::move(input_dilation), groups, flip),
               {std::move(in), std::move(wt)});
}

array conv1d(const array& in, const array& wt, int stride, int padding, int dilation, int groups,
             StreamOrDevice s) {
  return conv_general(in, wt, {stride}, {padding}, {padding}, {dilation}, {1}, groups, false, s);
}

array conv2d(const array& in, const array& wt, const std::pair<int, int>& stride,
             const std::pair<int, int>& padding, const std::pair<int, int>& dilation, int groups,
             StreamOrDevice s) {
  std::vector<int> pad{padding.first, padding.second};
  return conv_general(in, wt, {stride.first, stride.second}, pad, pad,
                      {dilation.first, dilation.second}, {1, 1}, groups, false, s);
}

array conv3d(const array& in, const array& wt, const std::tuple<int, int, int>& stride,
             const std::tuple<int, int, int>& padding, const std::tuple<int, int, int>& dilation,
             int groups, StreamOrDevice s) {
  auto vec = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_general(in, wt, vec(stride), vec(padding), vec(padding), vec(dilation), {1, 1, 1},
                      groups, false, s);
}

array conv_transpose1d(const array& in, const array& wt, int stride, int padding, int dilation,
                       int output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(in, wt, {stride}, {padding}, {dilation}, {output_padding}, groups,
                                s);
}

array conv_transpose2d(const array& in, const array& wt, const std::pair<int, int>& stride,
                       const std::pair<int, int>& padding, const std::pair<int, int>& dilation,
                       const std::pair<int, int>& output_padding, int groups, StreamOrDevice s) {
  return conv_transpose_general(in, wt, {stride.first, stride.second},
                                {padding.first, padding.second}, {dilation.first, dilation.second},
                                {output_padding.first, output_padding.second}, groups, s);
}

array conv_transpose3d(const array& in, const array& wt, const std::tuple<int, int, int>& stride,
                       const std::tuple<int, int, int>& padding,
                       const std::tuple<int, int, int>& dilation,
                       const std::tuple<int, int, int>& output_padding, int groups,
                       StreamOrDevice s) {
  auto vec = [](const std::tuple<int, int, int>& t) {
    return std::vector<int>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
  };
  return conv_transpose_general(in, wt, vec(stride), vec(padding), vec(dilation),
                                vec(output_padding), groups, s);
}

} // namespace mlx::core
