// Primitives that read or write at positions computed at run time: gathers and scatters driven
// by index arrays, masked scatter, and slices whose start comes from an array.
//
// Out-of-range indices (MLX leaves them undefined) never reach memory outside the arrays here:
// a negative index counts once from the end, as MLX's, then gathers and dynamic slices clamp the
// start so that the whole slice lies inside the axis (XLA's rule), and scatters drop an update
// whose slice would not lie inside the axis (XLA's "drop" rule; JAX's default for scatters).
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// out[i..., s...] = a[idx_0[i...] + s_0, ..., s_k...]: inputs are `a`, then one index array per
// axis in `axes` (broadcast together, one integer dtype); the output shape is the index shape
// followed by slice_sizes.
class Gather : public UnaryPrimitive {
public:
  Gather(Stream stream, std::vector<int> axes, Shape slice_sizes)
      : UnaryPrimitive(stream), axes_(std::move(axes)), slice_sizes_(std::move(slice_sizes)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Gather"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

  const std::vector<int>& axes() const { return axes_; }
  const Shape& slice_sizes() const { return slice_sizes_; }

private:
  std::vector<int> axes_;
  Shape slice_sizes_;
};

// take_along_axis: inputs `a` and indices, broadcast to one shape except along `axis`; the
// output has the indices' shape.
class GatherAxis : public UnaryPrimitive {
public:
  GatherAxis(Stream stream, int axis) : UnaryPrimitive(stream), axis_(axis) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "GatherAxis"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[1].shape()};
  }

  int axis() const { return axis_; }

private:
  int axis_;
};

// The inverse of Gather: inputs are `a`, the index arrays, then the updates of shape
// index shape + update slice shape; each update slice is combined into a copy of `a`.
class Scatter : public UnaryPrimitive {
public:
  enum ReduceType { None, Sum, Prod, Max, Min };

  Scatter(Stream stream, ReduceType reduce_type, std::vector<int> axes)
      : UnaryPrimitive(stream), reduce_type_(reduce_type), axes_(std::move(axes)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

private:
  ReduceType reduce_type_;
  std::vector<int> axes_;
};

// put_along_axis / scatter_add_axis: inputs `a`, indices and updates, broadcast to one shape
// except along `axis` (indices and updates share theirs).
class ScatterAxis : public UnaryPrimitive {
public:
  enum ReduceType { None, Sum };

  ScatterAxis(Stream stream, ReduceType reduce_type, int axis)
      : UnaryPrimitive(stream), reduce_type_(reduce_type), axis_(axis) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override {
    return reduce_type_ == Sum ? "ScatterAxisSum" : "ScatterAxis";
  }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

private:
  ReduceType reduce_type_;
  int axis_;
};

// Inputs `a`, a bool mask of a's shape and a 1-D source: the k-th true position of the mask
// (row-major) takes source element k. Positions past the source's end keep a's value.
class MaskedScatter : public UnaryPrimitive {
public:
  explicit MaskedScatter(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "MaskedScatter"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override { return true; }
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }
};

// A copy of `src` with a strided window replaced by `update` (input 1, already of the window's
// shape and src's dtype). start/stop/strides are normalized as Slice's.
class SliceUpdate : public UnaryPrimitive {
public:
  SliceUpdate(Stream stream, Shape start, Shape stop, Shape strides)
      : UnaryPrimitive(stream), start_(std::move(start)), stop_(std::move(stop)),
        strides_(std::move(strides)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "SliceUpdate"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

  const Shape& start() const { return start_; }
  const Shape& strides() const { return strides_; }

private:
  Shape start_;
  Shape stop_;
  Shape strides_;
};

// A window of `slice_size` whose start along `axes` is read from input 1 at run time (other axes
// start at 0). The output is a view of the input.
class DynamicSlice : public UnaryPrimitive {
public:
  DynamicSlice(Stream stream, std::vector<int> axes, Shape slice_size)
      : UnaryPrimitive(stream), axes_(std::move(axes)), slice_size_(std::move(slice_size)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "DynamicSlice"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>&) override { return {slice_size_}; }

private:
  std::vector<int> axes_;
  Shape slice_size_;
};

// A copy of `src` (input 0) with the window of update's shape (input 1) replaced, the window's
// start along `axes` read from input 2 at run time.
class DynamicSliceUpdate : public UnaryPrimitive {
public:
  DynamicSliceUpdate(Stream stream, std::vector<int> axes)
      : UnaryPrimitive(stream), axes_(std::move(axes)) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "DynamicSliceUpdate"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

private:
  std::vector<int> axes_;
};

} // namespace mlx::core
