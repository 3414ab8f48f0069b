// GPT-2: learned position embeddings, pre-norm blocks with LayerNorms, fused c_attn (q, k, v
// one after the other), a gelu MLP c_fc -> c_proj, and the output layer tied to wte. The
// checkpoint's Conv1D weights are stored [in, out] and are transposed on load (quantized
// checkpoints already hold them as [out, in], as mlx-lm writes them).
#include <cmath>

#include "mlx/fast.h"

#include "lm/models/decoder.h"

namespace mlxcpp::lm::models {

namespace {

class GPT2Attention : public nn::Module {
public:
  GPT2Attention(int hidden, int heads)
      : c_attn(hidden, 3 * hidden, true), c_proj(hidden, hidden, true), heads_(heads),
        head_dim_(hidden / heads) {
    register_module("c_attn", c_attn);
    register_module("c_proj", c_proj);
  }

  array operator()(const array& x, KVCache& cache) const {
    int B = x.shape(0), L = x.shape(1);
    auto parts = mx::split(c_attn(x), 3, -1);
    auto heads = [&](const array& t) {
      return mx::transpose(mx::reshape(t, {B, L, heads_, head_dim_}), {0, 2, 1, 3});
    };
    int offset = cache.offset();
    auto [keys, values] = cache.update_and_fetch(heads(parts[1]), heads(parts[2]));
    auto mask = make_attention_mask(L, offset, keys.shape(2), 0, cache.left_padding());
    auto out = mx::fast::scaled_dot_product_attention(
        heads(parts[0]), keys, values, 1.0f / std::sqrt(static_cast<float>(head_dim_)), mask.mode,
        mask.mask);
    return c_proj(mx::reshape(mx::transpose(out, {0, 2, 1, 3}), {B, L, -1}));
  }

  Linear c_attn, c_proj;

private:
  int heads_, head_dim_;
};

class MLP : public nn::Module {
public:
  MLP(int hidden, int inner, nn::Activation activation)
      : c_fc(hidden, inner, true), c_proj(inner, hidden, true), activation_(activation) {
    register_module("c_fc", c_fc);
    register_module("c_proj", c_proj);
  }
  array operator()(const array& x) const { return c_proj(activation_(c_fc(x))); }
  Linear c_fc, c_proj;

private:
  nn::Activation activation_;
};

class Block : public nn::Module {
public:
  Block(int hidden, int heads, int inner, float eps, nn::Activation activation)
      : ln_1(hidden, eps), attn(hidden, heads), ln_2(hidden, eps), mlp(hidden, inner, activation) {
    register_module("ln_1", ln_1);
    register_module("attn", attn);
    register_module("ln_2", ln_2);
    register_module("mlp", mlp);
  }
  array operator()(const array& x, KVCache& cache) const {
    auto h = mx::add(x, attn(ln_1(x), cache));
    return mx::add(h, mlp(ln_2(h)));
  }
  nn::LayerNorm ln_1;
  GPT2Attention attn;
  nn::LayerNorm ln_2;
  MLP mlp;
};

class GPT2 : public Model {
public:
  explicit GPT2(const nlohmann::json& json)
      : config_(json), hidden_(config_.get_int("n_embd")), vocab_(config_.get_int("vocab_size")),
        wte_(vocab_, hidden_), wpe_(config_.get_int("n_positions"), hidden_),
        ln_f_(hidden_, config_.get_float("layer_norm_epsilon", 1e-5f)),
        tied_(config_.get_bool("tie_word_embeddings", true)) {
    int heads = config_.get_int("n_head");
    int inner = config_.has("n_inner") ? config_.get_int("n_inner") : 4 * hidden_;
    auto activation = nn::activation_by_name(config_.get_string("activation_function", "gelu_new"));
    for (int i = 0; i < config_.get_int("n_layer"); ++i) {
      layers_.push_back(std::make_unique<Block>(
          hidden_, heads, inner, config_.get_float("layer_norm_epsilon", 1e-5f), activation));
      transformer_.add("h." + std::to_string(i), *layers_.back());
    }
    transformer_.add("wte", wte_);
    transformer_.add("wpe", wpe_);
    transformer_.add("ln_f", ln_f_);
    register_module("transformer", transformer_);
    if (!tied_) {
      lm_head_ = std::make_unique<Linear>(hidden_, vocab_, false);
      register_module("lm_head", *lm_head_);
    }
  }

  array forward(const array& tokens, Cache& cache, bool last_only = false) override {
    int L = tokens.shape(1);
    int offset = cache.empty() ? 0 : cache[0]->offset();
    if (offset + L > config_.get_int("n_positions")) {
      throw std::invalid_argument("The sequence (" + std::to_string(offset + L) +
                                  " tokens) is longer than GPT-2's " +
                                  std::to_string(config_.get_int("n_positions")) + " positions.");
    }
    auto positions = mx::arange(offset, offset + L);
    const auto& padding = cache.empty() ? std::vector<int>{} : cache[0]->left_padding();
    if (!padding.empty()) {
      // Learned absolute positions: a left-padded row counts from its first real token.
      int B = static_cast<int>(padding.size());
      auto pad = mx::reshape(array(padding.data(), {B}, mx::int32), {B, 1});
      positions = mx::maximum(mx::subtract(positions, pad), mx::array(0));
    }
    auto h = mx::add(wte_(tokens), wpe_(positions));
    for (size_t i = 0; i < layers_.size(); ++i) {
      h = (*layers_[i])(h, *cache[i]);
    }
    if (last_only) {
      h = last_position(h);
    }
    h = ln_f_(h);
    return tied_ ? wte_.as_linear(h) : (*lm_head_)(h);
  }

  int num_layers() const override { return static_cast<int>(layers_.size()); }
  int vocab_size() const override { return vocab_; }

  WeightMap sanitize(WeightMap weights) const override {
    WeightMap out;
    for (auto& [name, w] : weights) {
      if (name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias") ||
          (tied_ && name.rfind("lm_head.", 0) == 0)) {
        continue; // causal-mask buffers; the tied head
      }
      // Older checkpoints omit the "transformer." prefix.
      auto key = name.rfind("transformer.", 0) == 0 || name.rfind("lm_head.", 0) == 0
                     ? name
                     : "transformer." + name;
      bool conv1d = key.ends_with("c_attn.weight") || key.ends_with("c_proj.weight") ||
                    key.ends_with("c_fc.weight");
      out.insert_or_assign(key, conv1d && w.dtype() != mx::uint32 ? mx::transpose(w) : w);
    }
    return out;
  }

private:
  Config config_;
  int hidden_, vocab_;
  ModuleGroup transformer_;
  nn::Embedding wte_, wpe_;
  std::vector<std::unique_ptr<Block>> layers_;
  nn::LayerNorm ln_f_;
  std::unique_ptr<Linear> lm_head_;
  bool tied_;
};

} // namespace

void register_gpt2() {
  register_architecture("gpt2", [](const nlohmann::json& json) -> std::unique_ptr<Model> {
    return std::make_unique<GPT2>(json);
  });
}

} // namespace mlxcpp::lm::models
