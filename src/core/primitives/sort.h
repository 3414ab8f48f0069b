// Sorting along one axis: full sorts, partial sorts around a kth element, and binary search in
// sorted rows. NaNs order after every number, as in MLX and numpy.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

enum class SortType {
  Sort,         // the values, sorted (stable)
  ArgSort,      // uint32 indices that sort the values (stable)
  Partition,    // the kth smallest value at kth, smaller or equal ones before, others after
  ArgPartition, // uint32 indices that partition the values so
};

// One of the above along `axis` (normalized); kth (normalized) only for the partitions.
class Sort : public UnaryPrimitive {
public:
  Sort(Stream stream, SortType type, int axis, int kth = 0)
      : UnaryPrimitive(stream), type_(type), axis_(axis), kth_(kth) {}

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
  SortType type_;
  int axis_;
  int kth_;
};

// Inputs: `a`, sorted along its last axis, and `v`, of a's dtype. Output: for each value of v
// (shape of v, uint32), the first (or, with `right`, the last) index of its row of `a` at which
// it could be inserted keeping the row sorted. A 1-D `a` serves every value; otherwise v's
// leading axes index a's rows.
class SearchSorted : public UnaryPrimitive {
public:
  SearchSorted(Stream stream, bool right) : UnaryPrimitive(stream), right_(right) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "SearchSorted"; }
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[1].shape()};
  }

private:
  bool right_;
};

} // namespace mlx::core
