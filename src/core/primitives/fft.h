// The discrete Fourier transform over a set of axes (fft, ifft, rfft, irfft and their N-D forms).
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Transforms `axes` of the input with lengths `n`: along each axis the input is cut to n, or
// padded with zeros to it (for the inverse real transform, to n / 2 + 1 on the last axis).
// Complex to complex (complex64), real to complex (float32 in; the last axis of `axes` keeps
// n / 2 + 1 outputs) or complex to real (float32 out, n on the last axis). Inverse transforms
// are scaled by 1 / prod(n), numpy's default ("backward") normalization.
class FFT : public UnaryPrimitive {
public:
  FFT(Stream stream, std::vector<int> axes, Shape n, bool inverse, bool real)
      : UnaryPrimitive(stream), axes_(std::move(axes)), n_(std::move(n)), inverse_(inverse),
        real_(real) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "FFT"; }
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  const std::vector<int>& axes() const { return axes_; }
  const Shape& n() const { return n_; }
  bool inverse() const { return inverse_; }
  bool real() const { return real_; }

  // The input shape the transform works on: `in` with each axis set to its length (for the
  // inverse real transform, n / 2 + 1 on the last axis).
  Shape work_shape(const Shape& in) const;

private:
  std::vector<int> axes_;
  Shape n_;
  bool inverse_;
  bool real_;
};

} // namespace mlx::core
