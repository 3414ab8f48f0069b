// MLX affine quantization: packing weights into uint32 words, unpacking them, and matrix
// products against packed weights (dense and gathered per expert).
//
// Layout (MLX's, so mlx-community checkpoints load bit-exact): a row of `in` weights is a
// little-endian bit stream of `bits`-bit codes, code i at stream bits [i*bits, (i+1)*bits),
// stored as uint32 words [.., in*bits/32]. Each group of `group_size` consecutive codes of a
// row has a scale and a bias; the weight is code*scale + bias.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Outputs {packed uint32, scales, biases} from a floating matrix (groups along the last axis).
class AffineQuantize : public Primitive {
public:
  AffineQuantize(Stream stream, int group_size, int bits)
      : Primitive(stream), group_size_(group_size), bits_(bits) {}

  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "AffineQuantize"; }
  bool is_equivalent(const Primitive& other) const override;

private:
  int group_size_;
  int bits_;
};

// Inputs {packed, scales, biases} (scales and biases of one dtype); the output has that dtype.
class AffineDequantize : public UnaryPrimitive {
public:
  AffineDequantize(Stream stream, int group_size, int bits)
      : UnaryPrimitive(stream), group_size_(group_size), bits_(bits) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "AffineDequantize"; }
  bool is_equivalent(const Primitive& other) const override;

  int group_size() const { return group_size_; }
  int bits() const { return bits_; }

private:
  int group_size_;
  int bits_;
};

// x @ dequantize(w).T (transpose) or x @ dequantize(w). Inputs {x, w, scales, biases}; x has
// the output dtype, scales and biases share a dtype that converts exactly to it. Batch axes of
// x and w are equal (broadcast by the op) unless w is a plain matrix.
class QuantizedMatmul : public UnaryPrimitive {
public:
  QuantizedMatmul(Stream stream, int group_size, int bits, bool transpose)
      : UnaryPrimitive(stream), group_size_(group_size), bits_(bits), transpose_(transpose) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "QuantizedMatmul"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

  int group_size() const { return group_size_; }
  int bits() const { return bits_; }
  bool transpose() const { return transpose_; }

private:
  int group_size_;
  int bits_;
  bool transpose_;
};

// Per index pair (lhs[i], rhs[i]): x[lhs[i]] @ dequantize(w[rhs[i]]) (transposed or not).
// Inputs {x, w, scales, biases, lhs_indices, rhs_indices}, indices uint32 of one shape.
// Consecutive entries with the same rhs index share one pass over that expert's weights, so
// sorting by expert (sorted_indices) makes prompt processing run as matrix products.
class GatherQMM : public UnaryPrimitive {
public:
  GatherQMM(Stream stream, int group_size, int bits, bool transpose, bool left_sorted,
            bool right_sorted)
      : UnaryPrimitive(stream), group_size_(group_size), bits_(bits), transpose_(transpose),
        left_sorted_(left_sorted), right_sorted_(right_sorted) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "GatherQMM"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

private:
  int group_size_;
  int bits_;
  bool transpose_;
  bool left_sorted_;
  bool right_sorted_;
};

} // namespace mlx::core
