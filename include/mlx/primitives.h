// The Primitive base class, as MLX's: one op's parameters, and how to compute its outputs on
// each device. Concrete primitives live in src/core/primitives/ (internal).
#pragma once

#include <utility>
#include <vector>

#include "mlx/array.h"
#include "mlx/stream.h"

namespace mlx::core {

class Primitive {
public:
  explicit Primitive(Stream stream) : stream_(stream) {}

  const Stream& stream() const { return stream_; }
  Device device() const { return stream().device; }

  /**
   * Compute the outputs from the inputs. The outputs have their shapes and dtypes; the
   * primitive gives them data (allocating, or sharing an input's buffer for views).
   */
  virtual void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) = 0;
  // Primitives without a GPU kernel keep this default, which throws naming the primitive.
  virtual void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs);

  /** Forward-mode derivative: tangents of the outputs from those of the inputs `argnums`. */
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);

  /** Reverse-mode derivative: cotangents of the inputs `argnums` from those of the outputs. */
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);

  /** The primitive applied to inputs batched along `axes`; returns outputs and their axes. */
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes);

  /** The name used in errors and graph printing, e.g. "Add". */
  virtual const char* name() const = 0;

  /** Whether `other` computes the same function (same type and parameters). */
  virtual bool is_equivalent(const Primitive& other) const { return false; }

  /** The output shapes for these inputs, for shape-independent (shapeless) compilation. */
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);

  virtual ~Primitive() = default;
  Primitive(const Primitive& other) = delete;
  Primitive(Primitive&& other) = delete;
  Primitive& operator=(const Primitive& other) = delete;
  Primitive& operator=(Primitive&& other) = delete;

private:
  Stream stream_;
};

/** A primitive with a single output. */
class UnaryPrimitive : public Primitive {
public:
  explicit UnaryPrimitive(Stream stream) : Primitive(stream) {}

  virtual void eval_cpu(const std::vector<array>& inputs, array& output) = 0;
  virtual void eval_gpu(const std::vector<array>& inputs, array& output);

  inline void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    eval_cpu(inputs, outputs[0]);
  }
  inline void eval_gpu(const std::vector<array>& inputs, std::vector<array>& outputs) override {
    eval_gpu(inputs, outputs[0]);
  }
};

} // namespace mlx::core
