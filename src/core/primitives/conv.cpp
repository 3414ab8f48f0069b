#include "core/primitives/conv.h"

#include <sstream>
#include <stdexcept>

namespace mlx::core {

namespace {

template <typename... Parts>
std::invalid_argument conv_error(const Parts&... parts) {
  std::ostringstream msg;
  msg << "[conv] ";
  (msg << ... << parts);
  return std::invalid_argument(msg.str());
}

} // namespace

Shape Convolution::conv_out_shape(const Shape& in_shape, const Shape& wt_shape,
                                  const std::vector<int>& stride,
                                  const std::vector<int>& padding_lo,
                                  const std::vector<int>& padding_hi,
                                  const std::vector<int>& kernel_dilation,
                                  const std::vector<int>& input_dilation) {
  const size_t spatial = in_shape.size() - 2;
  auto check_count = [&](const std::vector<int>& v, const char* what) {
    if (v.size() != spatial) {
      throw conv_error("Invalid ", what, ": got ", v.size(), " values for ", spatial,
                       " spatial dimensions.");
    }
  };
  check_count(stride, "strides");
  check_count(padding_lo, "padding");
  check_count(padding_hi, "padding");
  check_count(kernel_dilation, "kernel dilation");
  check_count(input_dilation, "input dilation");
  Shape out{in_shape[0]};
  for (size_t i = 0; i < spatial; ++i) {
    if (stride[i] <= 0) {
      throw conv_error("Stride sizes must be positive, got ", stride[i], ".");
    }
    if (kernel_dilation[i] <= 0) {
      throw conv_error("Kernel dilation sizes must be positive, got ", kernel_dilation[i], ".");
    }
    if (input_dilation[i] <= 0) {
      throw conv_error("Input dilation sizes must be positive, got ", input_dilation[i], ".");
    }
    if (padding_lo[i] < 0 || padding_hi[i] < 0) {
      throw conv_error("Padding sizes must be non-negative.");
    }
    int64_t in_size = in_shape[i + 1];
    int64_t kernel = wt_shape[i + 1];
    if (in_size <= 0 || kernel <= 0) {
      throw conv_error("Spatial sizes must be positive, got input ", in_size, " and kernel ",
                       kernel, " on axis ", i + 1, ".");
    }
    int64_t dilated_in = (in_size - 1) * input_dilation[i] + 1 + padding_lo[i] + padding_hi[i];
    int64_t dilated_kernel = (kernel - 1) * kernel_dilation[i] + 1;
    if (dilated_kernel > dilated_in) {
      throw conv_error("The dilated kernel (", dilated_kernel,
                       ") is larger than the dilated and padded input (", dilated_in,
                       ") on spatial axis ", i, ".");
    }
    out.push_back(static_cast<ShapeElem>((dilated_in - dilated_kernel) / stride[i] + 1));
  }
  out.push_back(wt_shape[0]);
  return out;
}

bool Convolution::is_equivalent(const Primitive& other) const {
  auto* o = dynamic_cast<const Convolution*>(&other);
  return o && o->stride_ == stride_ && o->padding_lo_ == padding_lo_ &&
         o->padding_hi_ == padding_hi_ && o->kernel_dilation_ == kernel_dilation_ &&
         o->input_dilation_ == input_dilation_ && o->groups_ == groups_ && o->flip_ == flip_;
}

std::vector<Shape> Convolution::output_shapes(const std::vector<array>& inputs) {
  return {conv_out_shape(inputs[0].shape(), inputs[1].shape(), stride_, padding_lo_, padding_hi_,
                         kernel_dilation_, input_dilation_)};
}

} // namespace mlx::core
