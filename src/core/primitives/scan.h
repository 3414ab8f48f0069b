// Inclusive or exclusive scans (cumulative sum, product, max, min, log-add-exp) along one
// axis, forwards or in reverse.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

enum class ScanType { Sum, Prod, Max, Min, LogAddExp };

// The output has the input's shape; its dtype is the input's, except int32 for a Sum of bool.
// Exclusive scans start from the operation's identity (0, 1, lowest, highest, -inf).
class Scan : public UnaryPrimitive {
public:
  Scan(Stream stream, ScanType type, int axis, bool reverse, bool inclusive)
      : UnaryPrimitive(stream), type_(type), axis_(axis), reverse_(reverse), inclusive_(inclusive) {
  }

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
  ScanType type_;
  int axis_;
  bool reverse_;
  bool inclusive_;
};

} // namespace mlx::core
