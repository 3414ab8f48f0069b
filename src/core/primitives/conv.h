// Convolution with MLX's channels-last layouts: input [N, spatial..., C_in], weight
// [C_out, kernel..., C_in / groups], output [N, spatial..., C_out].
#pragma once

#include <vector>

#include "mlx/primitives.h"

namespace mlx::core {

// Per spatial axis: the input is dilated (input_dilation - 1 zeros between elements), padded
// with padding_lo / padding_hi zeros, and correlated with the kernel dilated by
// kernel_dilation, stepping by stride. flip turns the correlation into a convolution (the
// kernel's taps reversed), as conv_transpose needs.
class Convolution : public UnaryPrimitive {
public:
  Convolution(Stream stream, std::vector<int> stride, std::vector<int> padding_lo,
              std::vector<int> padding_hi, std::vector<int> kernel_dilation,
              std::vector<int> input_dilation, int groups, bool flip)
      : UnaryPrimitive(stream), stride_(std::move(stride)), padding_lo_(std::move(padding_lo)),
        padding_hi_(std::move(padding_hi)), kernel_dilation_(std::move(kernel_dilation)),
        input_dilation_(std::move(input_dilation)), groups_(groups), flip_(flip) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Convolution"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  // The output shape, checking the parameters; throws std::invalid_argument("[conv] ...").
  static Shape conv_out_shape(const Shape& in_shape, const Shape& wt_shape,
                              const std::vector<int>& stride, const std::vector<int>& padding_lo,
                              const std::vector<int>& padding_hi,
                              const std::vector<int>& kernel_dilation,
                              const std::vector<int>& input_dilation);

  const std::vector<int>& stride() const { return stride_; }
  const std::vector<int>& padding_lo() const { return padding_lo_; }
  const std::vector<int>& padding_hi() const { return padding_hi_; }
  const std::vector<int>& kernel_dilation() const { return kernel_dilation_; }
  const std::vector<int>& input_dilation() const { return input_dilation_; }
  int groups() const { return groups_; }
  bool flip() const { return flip_; }

private:
  std::vector<int> stride_;
  std::vector<int> padding_lo_;
  std::vector<int> padding_hi_;
  std::vector<int> kernel_dilation_;
  std::vector<int> input_dilation_;
  int groups_;
  bool flip_;
};

} // namespace mlx::core
