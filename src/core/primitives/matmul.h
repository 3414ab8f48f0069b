// Matrix products. Inputs arrive from the ops with their batch dimensions already broadcast
// (as views) and cast to the output dtype; the last two axes are the matrices.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// out[..., M, N] = a[..., M, K] @ b[..., K, N].
class Matmul : public UnaryPrimitive {
public:
  explicit Matmul(Stream stream) : UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Matmul"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(const std::vector<array>& inputs,
                                                       const std::vector<int>& axes) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
};

// out = alpha * (a @ b) + beta * c, with c already broadcast to the output shape.
class AddMM : public UnaryPrimitive {
public:
  AddMM(Stream stream, float alpha, float beta)
      : UnaryPrimitive(stream), alpha_(alpha), beta_(beta) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AddMM"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  float alpha() const { return alpha_; }
  float beta() const { return beta_; }

private:
  float alpha_;
  float beta_;
};

// Inputs a [..., M, K], b [..., K, N], lhs_indices and rhs_indices (uint32, broadcast to one
// shape I). out[i..., M, N] = a[lhs[i...]] @ b[rhs[i...]], where an index counts the matrices
// of a (or b) in row-major order over their batch axes. The sorted flags say that the
// indices of that side are non-decreasing, so runs of equal indices can share one product.
class GatherMM : public UnaryPrimitive {
public:
  GatherMM(Stream stream, bool left_sorted, bool right_sorted)
      : UnaryPrimitive(stream), left_sorted_(left_sorted), right_sorted_(right_sorted) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "GatherMM"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

  bool left_sorted() const { return left_sorted_; }
  bool right_sorted() const { return right_sorted_; }

private:
  bool left_sorted_;
  bool right_sorted_;
};

} // namespace mlx::core
