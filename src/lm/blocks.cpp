#include "mlxcpp/lm/blocks.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mlx/fast.h"
#include "mlx/ops.h"

#include "mlxcpp/lm/config.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

namespace {

bool any_padding(const std::vector<int>& left_padding) {
  return std::any_of(left_padding.begin(), left_padding.end(), [](int p) { return p > 0; });
}

} // namespace

std::optional<array> visible_keys(int L, int offset, int key_length, int window,
                                  const std::vector<int>& left_padding) {
  // Query i is at position offset + i; the fetched keys end at position offset + L - 1.
  int first_key = offset + L - key_length;
  bool padded = any_padding(left_padding);
  bool all_visible = first_key + key_length - 1 <= offset && // the last key is not after query 0
                     (window == 0 || offset + L - 1 - first_key < window) && !padded;
  if (all_visible) {
    return std::nullopt;
  }
  auto query_pos = mx::reshape(mx::arange(offset, offset + L), {L, 1});
  auto key_pos = mx::reshape(mx::arange(first_key, offset + L), {1, key_length});
  auto visible = mx::less_equal(key_pos, query_pos);
  if (window > 0) {
    visible =
        mx::logical_and(visible, mx::greater(key_pos, mx::subtract(query_pos, mx::array(window))));
  }
  if (padded) {
    int B = static_cast<int>(left_padding.size());
    auto pad = mx::reshape(array(left_padding.data(), {B}, mx::int32), {B, 1, 1, 1});
    auto real_key = mx::logical_or(mx::greater_equal(key_pos, pad), mx::equal(key_pos, query_pos));
    visible = mx::logical_and(visible, real_key); // [B, 1, L, keys]
  }
  return visible;
}

AttentionMask make_attention_mask(int L, int offset, int key_length, int window,
                                  const std::vector<int>& left_padding) {
  if (window == 0 && key_length == offset + L && L > 1 && !any_padding(left_padding)) {
    return {"causal", std::nullopt}; // the fused kernel's own causal mask
  }
  auto visible = visible_keys(L, offset, key_length, window, left_padding);
  return visible ? AttentionMask{"array", visible} : AttentionMask{};
}

array quantized_attention(const array& q, const std::vector<array>& keys,
                          const std::vector<array>& values, float scale, int group_size, int bits,
                          const std::optional<array>& visible) {
  int B = q.shape(0), Hq = q.shape(1), L = q.shape(2), D = q.shape(3);
  int Hkv = keys[0].shape(1);
  // The G query heads of one KV head share its keys: [B, Hkv, G, L, D] against [B, Hkv, 1, ...].
  auto qs = mx::reshape(mx::multiply(q, mx::array(scale, q.dtype())), {B, Hkv, Hq / Hkv, L, D});
  auto k = keys, v = values;
  for (auto* parts : {&k, &v}) {
    for (auto& p : *parts) {
      p = mx::expand_dims(p, 2);
    }
  }
  auto scores = mx::quantized_matmul(qs, k[0], k[1], k[2], true, group_size, bits);
  if (visible) {
    // [L, keys] or [B, 1, L, keys]; the latter gains the group axis.
    auto m = visible->ndim() == 4 ? mx::expand_dims(*visible, 2) : *visible;
    scores =
        mx::where(m, scores, mx::array(-std::numeric_limits<float>::infinity(), scores.dtype()));
  }
  auto probs = mx::softmax(scores, -1, true);
  auto out = mx::quantized_matmul(probs, v[0], v[1], v[2], false, group_size, bits);
  return mx::reshape(out, {B, Hq, L, D});
}

Attention::Attention(const AttentionOptions& o)
    : q_proj(o.hidden_size, o.num_heads * o.head_dim, o.qkv_bias),
      k_proj(o.hidden_size, o.num_kv_heads * o.head_dim, o.qkv_bias),
      v_proj(o.hidden_size, o.num_kv_heads * o.head_dim, o.qkv_bias),
      o_proj(o.num_heads * o.head_dim, o.hidden_size, o.o_bias), options_(o),
      scale_(o.scale.value_or(1.0f / std::sqrt(static_cast<float>(o.head_dim)))) {
  register_module("q_proj", q_proj);
  register_module("k_proj", k_proj);
  register_module("v_proj", v_proj);
  register_module("o_proj", o_proj);
  if (o.qk_norm) {
    q_norm = std::make_unique<nn::RMSNorm>(o.head_dim, o.norm_eps, o.qk_norm_offset);
    k_norm = std::make_unique<nn::RMSNorm>(o.head_dim, o.norm_eps, o.qk_norm_offset);
    register_module("q_norm", *q_norm);
    register_module("k_norm", *k_norm);
  }
  if (o.rope) {
    rope_.emplace(*o.rope);
  }
}

array Attention::operator()(const array& x, KVCache& cache) const {
  const auto& o = options_;
  int B = x.shape(0), L = x.shape(1);
  auto heads = [&](const array& t, int n) {
    return mx::transpose(mx::reshape(t, {B, L, n, o.head_dim}), {0, 2, 1, 3});
  };
  auto q = heads(q_proj(x), o.num_heads);
  auto k = heads(k_proj(x), o.num_kv_heads);
  auto v = heads(v_proj(x), o.num_kv_heads);
  if (q_norm) {
    q = (*q_norm)(q);
    k = (*k_norm)(k);
  }
  int offset = cache.offset();
  if (rope_) {
    q = (*rope_)(q, offset);
    k = (*rope_)(k, offset);
  }
  array out = array(0.0f);
  auto* quantized = dynamic_cast<QuantizedKVCache*>(&cache);
  if (quantized && o.logit_softcap == 0) {
    auto [kq, vq] = quantized->update_and_fetch_quantized(k, v);
    auto visible = visible_keys(L, offset, kq[0].shape(2), o.sliding_window, cache.left_padding());
    out =
        quantized_attention(q, kq, vq, scale_, quantized->group_size(), quantized->bits(), visible);
    out = mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, o.num_heads * o.head_dim});
    return o_proj(out);
  }
  auto [keys, values] = cache.update_and_fetch(k, v);
  if (o.logit_softcap > 0) {
    // Soft-capped scores need the explicit softmax: tanh(s / cap) * cap before the mask.
    int group = o.num_heads / o.num_kv_heads;
    auto kk = group > 1 ? mx::repeat(keys, group, 1) : keys;
    auto vv = group > 1 ? mx::repeat(values, group, 1) : values;
    auto scores =
        mx::matmul(mx::multiply(q, mx::array(scale_, q.dtype())), mx::swapaxes(kk, -1, -2));
    auto cap = mx::array(o.logit_softcap, scores.dtype());
    scores = mx::multiply(mx::tanh(mx::divide(scores, cap)), cap);
    if (auto visible =
            visible_keys(L, offset, keys.shape(2), o.sliding_window, cache.left_padding())) {
      auto neg = mx::array(-std::numeric_limits<float>::infinity(), scores.dtype());
      scores = mx::where(*visible, scores, neg);
    }
    out = mx::matmul(mx::softmax(scores, -1, true), vv);
  } else {
    auto mask =
        make_attention_mask(L, offset, keys.shape(2), o.sliding_window, cache.left_padding());
    out = mx::fast::scaled_dot_product_attention(q, keys, values, scale_, mask.mode, mask.mask);
  }
  out = mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, o.num_heads * o.head_dim});
  return o_proj(out);
}

GatedMLP::GatedMLP(int hidden_size, int intermediate_size, bool bias, nn::Activation activation)
    : gate_proj(hidden_size, intermediate_size, bias),
      up_proj(hidden_size, intermediate_size, bias),
      down_proj(intermediate_size, hidden_size, bias), activation_(activation) {
  register_module("gate_proj", gate_proj);
  register_module("up_proj", up_proj);
  register_module("down_proj", down_proj);
}

array GatedMLP::operator()(const array& x) const {
  return down_proj(mx::multiply(activation_(gate_proj(x)), up_proj(x)));
}

AttentionOptions attention_options(const Config& c) {
  AttentionOptions o;
  o.hidden_size = c.get_int("hidden_size");
  o.num_heads = c.get_int("num_attention_heads");
  o.num_kv_heads = c.get_int("num_key_value_heads", o.num_heads);
  o.head_dim = c.get_int("head_dim", o.hidden_size / o.num_heads);
  o.qkv_bias = c.get_bool("attention_bias", false);
  o.o_bias = o.qkv_bias;
  o.norm_eps = c.get_float("rms_norm_eps", 1e-6f);
  o.rope = c.rope(static_cast<int>(o.head_dim * c.partial_rotary_factor()));
  if (o.num_kv_heads <= 0 || o.num_heads % o.num_kv_heads != 0) {
    throw std::runtime_error("config.json: num_attention_heads must be a multiple of "
                             "num_key_value_heads.");
  }
  return o;
}

} // namespace mlxcpp::lm
