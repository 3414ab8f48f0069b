// Fused model kernels: normalizations, rotary embeddings, attention.
#pragma once

#include "mlx/primitives.h"

namespace mlx::core {

// Inputs: x, weight (always present: ones when the op had none).
class RMSNorm : public UnaryPrimitive {
public:
  RMSNorm(Stream stream, float eps) : UnaryPrimitive(stream), eps_(eps) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "RMSNorm"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

  float eps() const { return eps_; }

private:
  float eps_;
};

// Inputs: x, weight, bias (weight ones / bias zeros when the op had none).
class LayerNorm : public UnaryPrimitive {
public:
  LayerNorm(Stream stream, float eps) : UnaryPrimitive(stream), eps_(eps) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "LayerNorm"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

  float eps() const { return eps_; }

private:
  float eps_;
};

// Inputs: x, offset (int32 scalar or [B]), and inverse frequencies (float32 [dims / 2]).
class RoPE : public UnaryPrimitive {
public:
  RoPE(Stream stream, int dims, bool traditional, float scale)
      : UnaryPrimitive(stream), dims_(dims), traditional_(traditional), scale_(scale) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "RoPE"; }
  std::vector<array> jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                         const std::vector<int>& argnums) override;
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override {
    return {inputs[0].shape()};
  }

  int dims() const { return dims_; }
  bool traditional() const { return traditional_; }
  float scale() const { return scale_; }

private:
  int dims_;
  bool traditional_;
  float scale_;
};

enum class AttentionMask { None, Causal, Array };

// Inputs: q, k, v, then the mask array (if mask == Array), then sinks (if has_sinks).
class ScaledDotProductAttention : public UnaryPrimitive {
public:
  ScaledDotProductAttention(Stream stream, float scale, AttentionMask mask, bool has_sinks)
      : UnaryPrimitive(stream), scale_(scale), mask_(mask), has_sinks_(has_sinks) {}

  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "ScaledDotProductAttention"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  bool is_equivalent(const Primitive& other) const override;

  float scale() const { return scale_; }
  AttentionMask mask() const { return mask_; }
  bool has_sinks() const { return has_sinks_; }

private:
  float scale_;
  AttentionMask mask_;
  bool has_sinks_;
};

} // namespace mlx::core
