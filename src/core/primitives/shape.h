// Primitives that rearrange elements without computing on them. Views (reshape of contiguous
// data, transpose, broadcast, slice, as_strided) share the input's buffer.
#pragma once

#include <optional>

#include "mlx/primitives.h"

namespace mlx::core {

class Reshape : public UnaryPrimitive {
public:
  Reshape(Stream stream, Shape shape) : UnaryPrimitive(stream), shape_(std::move(shape)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Reshape"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {shape_}; }

  // The strides that view `in` with `shape` without copying, or nothing if a copy is needed.
  static std::optional<Strides> view_strides(const array& in, const Shape& shape);

private:
  Shape shape_;
};

class Transpose : public UnaryPrimitive {
public:
  Transpose(Stream stream, std::vector<int> axes)
      : UnaryPrimitive(stream), axes_(std::move(axes)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Transpose"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  std::vector<int> axes_;
};

class Broadcast : public UnaryPrimitive {
public:
  Broadcast(Stream stream, Shape shape) : UnaryPrimitive(stream), shape_(std::move(shape)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Broadcast"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {shape_}; }

private:
  Shape shape_;
};

// Strided slice with static bounds: start, stop (exclusive) and strides per axis, normalized.
class Slice : public UnaryPrimitive {
public:
  Slice(Stream stream, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(stream), start_(std::move(start)), stop_(std::move(stop)),
        strides_(std::move(strides)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Slice"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  Shape start_;
  Shape stop_;
  Shape strides_;
};

class AsStrided : public UnaryPrimitive {
public:
  AsStrided(Stream stream, Shape shape, Strides strides, size_t offset)
      : UnaryPrimitive(stream), shape_(std::move(shape)), strides_(std::move(strides)),
        offset_(offset) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AsStrided"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  Shape shape_;
  Strides strides_;
  size_t offset_;
};

// Shares the buffer when the input is already row-contiguous (or column-contiguous, if
// allowed); copies to row-major otherwise.
class Contiguous : public UnaryPrimitive {
public:
  Contiguous(Stream stream, bool allow_col_major)
      : UnaryPrimitive(stream), allow_col_major_(allow_col_major) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Contiguous"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;

  bool allow_col_major() const { return allow_col_major_; }

private:
  bool allow_col_major_;
};

// Reinterprets the bytes as another dtype.
class View : public UnaryPrimitive {
public:
  View(Stream stream, Dtype dtype) : UnaryPrimitive(stream), dtype_(dtype) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "View"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  Dtype dtype_;
};

class Concatenate : public UnaryPrimitive {
public:
  Concatenate(Stream stream, int axis) : UnaryPrimitive(stream), axis_(axis) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Concatenate"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;

  int axis() const { return axis_; }

private:
  int axis_;
};

// Constant padding: input 0 placed at `low_pad_size` along `axes` (normalized) in an output
// filled with input 1 (a scalar of the same dtype).
class Pad : public UnaryPrimitive {
public:
  Pad(Stream stream, std::vector<int> axes, Shape low_pad_size, Shape high_pad_size)
      : UnaryPrimitive(stream), axes_(std::move(axes)), low_pad_size_(std::move(low_pad_size)),
        high_pad_size_(std::move(high_pad_size)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Pad"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  std::vector<int> axes_;
  Shape low_pad_size_;
  Shape high_pad_size_;
};

// The diagonal of axes (axis1, axis2) with an offset, as a view: the other axes keep their
// order and the diagonal becomes the last axis.
class Diagonal : public UnaryPrimitive {
public:
  Diagonal(Stream stream, int offset, int axis1, int axis2)
      : UnaryPrimitive(stream), offset_(offset), axis1_(axis1), axis2_(axis2) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Diagonal"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  int offset_;
  int axis1_;
  int axis2_;
};

// Outputs are the first inputs unchanged (sharing their buffers); the remaining inputs are only
// dependencies that must be evaluated first.
class Depends : public Primitive {
public:
  explicit Depends(Stream stream) : Primitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "Depends"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
};

// Fills the output with a value (input 0, already broadcast to the output shape).
class Full : public UnaryPrimitive {
public:
  explicit Full(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Full"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
};

class Arange : public UnaryPrimitive {
public:
  Arange(Stream stream, double start, double stop, double step)
      : UnaryPrimitive(stream), start_(start), stop_(stop), step_(step) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Arange"; }
  bool is_equivalent(const Primitive& other) const override;

  double start() const { return start_; }
  double step() const { return step_; }

private:
  double start_;
  double stop_;
  double step_;
};

} // namespace mlx::core
