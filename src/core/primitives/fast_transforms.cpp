// Derivatives of the fused model kernels. Norms and attention differentiate their unfused
// composition (the backward pass is not fused); RoPE is a rotation, so its transpose is the
// same kernel rotating the other way (negated frequencies).
#include <limits>

#include "mlx/ops.h"

#include "core/primitives/fast.h"
#include "core/primitives/transform_utils.h"

namespace mlx::core {

namespace {

// The dtype the compositions compute in: half types widen to float32, as the kernels do.
Dtype compute_dtype(Dtype t) {
  return (t == float16 || t == bfloat16) ? float32 : t;
}

std::vector<array> widened(const std::vector<array>& inputs, Dtype dtype, Stream s) {
  std::vector<array> out;
  for (const auto& a : inputs) {
    out.push_back(issubdtype(a.dtype(), floating) ? astype(a, dtype, s) : a);
  }
  return out;
}

} // namespace

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  auto dtype = compute_dtype(primals[0].dtype());
  float eps = eps_;
  auto fun = [=](const std::vector<array>& in) {
    const auto &x = in[0], &w = in[1];
    auto ms = mean(square(x, s), -1, true, s);
    return multiply(multiply(x, rsqrt(add(ms, array(eps, dtype), s), s), s), w, s);
  };
  return vjp_of_composition(fun, widened(primals, dtype, s), astype(cotangents[0], dtype, s),
                            argnums);
}

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums, const std::vector<array>&) {
  auto s = stream();
  auto dtype = compute_dtype(primals[0].dtype());
  float eps = eps_;
  auto fun = [=](const std::vector<array>& in) {
    const auto &x = in[0], &w = in[1], &b = in[2];
    auto centered = subtract(x, mean(x, -1, true, s), s);
    auto var = mean(square(centered, s), -1, true, s);
    auto normed = multiply(centered, rsqrt(add(var, array(eps, dtype), s), s), s);
    return add(multiply(normed, w, s), b, s);
  };
  return vjp_of_composition(fun, widened(primals, dtype, s), astype(cotangents[0], dtype, s),
                            argnums);
}

std::vector<array> RoPE::vjp(const std::vector<array>& primals,
                             const std::vector<array>& cotangents, const std::vector<int>& argnums,
                             const std::vector<array>&) {
  auto s = stream();
  std::vector<array> vjps;
  for (int i : argnums) {
    if (i == 0) {
      const auto& ct = cotangents[0];
      vjps.push_back(array(ct.shape(), ct.dtype(),
                           std::make_shared<RoPE>(s, dims_, traditional_, scale_),
                           {ct, primals[1], negative(primals[2], s)}));
    } else if (i == 1) {
      vjps.push_back(zero_cotangent(primals[1], s));
    } else {
      throw std::invalid_argument("[rope] The vjp with respect to freqs is not implemented.");
    }
  }
  return vjps;
}

std::vector<array> RoPE::jvp(const std::vector<array>& primals, const std::vector<array>& tangents,
                             const std::vector<int>& argnums) {
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 0) {
      const auto& t = tangents[k];
      return {array(t.shape(), t.dtype(),
                    std::make_shared<RoPE>(stream(), dims_, traditional_, scale_),
                    {t, primals[1], primals[2]})};
    }
  }
  if (!argnums.empty() && argnums[0] == 2) {
    throw std::invalid_argument("[rope] The jvp with respect to freqs is not implemented.");
  }
  return {zeros_like(primals[0], stream())};
}

// softmax(scale q k^T + mask) v with the query heads grouped over the key/value heads:
// q [B, Hq, Lq, D] is viewed as [B, Hkv, Hq / Hkv, Lq, D] against k, v [B, Hkv, 1, Lk, .].
std::vector<array> ScaledDotProductAttention::vjp(const std::vector<array>& primals,
                                                  const std::vector<array>& cotangents,
                                                  const std::vector<int>& argnums,
                                                  const std::vector<array>&) {
  auto s = stream();
  auto dtype = compute_dtype(primals[0].dtype());
  float scale = scale_;
  auto mask_kind = mask_;
  bool has_sinks = has_sinks_;
  auto fun = [=](const std::vector<array>& in) {
    const auto &q = in[0], &k = in[1], &v = in[2];
    int B = q.shape(0), Hq = q.shape(1), Lq = q.shape(2), D = q.shape(3);
    int Hkv = k.shape(1), Lk = k.shape(2), Dv = v.shape(3);
    int G = Hq / Hkv;
    auto qg = reshape(q, {B, Hkv, G, Lq, D}, s);
    auto kg = expand_dims(k, 2, s);
    auto vg = expand_dims(v, 2, s);
    auto scores = multiply(matmul(qg, swapaxes(kg, -1, -2, s), s), array(scale, dtype), s);
    auto neg_inf = array(-std::numeric_limits<float>::infinity(), dtype);
    size_t next = 3;
    if (mask_kind == AttentionMask::Causal) {
      auto rows = reshape(arange(Lk - Lq, Lk, s), {Lq, 1}, s);
      auto cols = reshape(arange(0, Lk, s), {1, Lk}, s);
      scores = where(less_equal(cols, rows, s), scores, neg_inf, s);
    } else if (mask_kind == AttentionMask::Array) {
      auto m = reshape(in[next++], {B, Hkv, G, Lq, Lk}, s);
      scores = m.dtype() == bool_ ? where(m, scores, neg_inf, s) : add(scores, m, s);
    }
    if (has_sinks) {
      auto sink = broadcast_to(reshape(astype(in[next], dtype, s), {1, Hkv, G, 1, 1}, s),
                               {B, Hkv, G, Lq, 1}, s);
      auto probs = softmax(concatenate({sink, scores}, -1, s), -1, false, s);
      scores = slice(probs, {0, 0, 0, 0, 1}, {B, Hkv, G, Lq, Lk + 1}, s);
    } else {
      scores = softmax(scores, -1, false, s);
    }
    return reshape(matmul(scores, vg, s), {B, Hq, Lq, Dv}, s);
  };
  return vjp_of_composition(fun, widened(primals, dtype, s), astype(cotangents[0], dtype, s),
                            argnums);
}

} // namespace mlx::core
