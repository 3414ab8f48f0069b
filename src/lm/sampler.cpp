#include "mlxcpp/lm/sampler.h"

#include <chrono>
#include <limits>
#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/random.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

Sampler::Sampler(SamplingParams params, int vocab_size)
    : params_(std::move(params)), vocab_size_(vocab_size) {
  auto& p = params_;
  if (p.temperature < 0) {
    throw std::invalid_argument("Temperature must be non-negative.");
  }
  if (p.top_p <= 0 || p.top_p > 1) {
    throw std::invalid_argument("top-p must be in (0, 1].");
  }
  if (p.min_p < 0 || p.min_p >= 1) {
    throw std::invalid_argument("min-p must be in [0, 1).");
  }
  if (p.top_k < 0) {
    throw std::invalid_argument("top-k must be non-negative.");
  }
  if (p.repetition_penalty <= 0) {
    throw std::invalid_argument("The repetition penalty must be positive.");
  }
  if (!p.logit_bias.empty()) {
    std::vector<float> bias(vocab_size, 0.0f);
    for (auto [id, b] : p.logit_bias) {
      if (id < 0 || id >= vocab_size) {
        throw std::invalid_argument("Logit bias for token " + std::to_string(id) +
                                    ", outside the vocabulary of " + std::to_string(vocab_size) +
                                    ".");
      }
      bias[id] = b;
    }
    bias_ = array(bias.begin(), {vocab_size}, mx::float32);
  }
  uint64_t seed = p.seed
                      ? *p.seed
                      : static_cast<uint64_t>(
                            std::chrono::high_resolution_clock::now().time_since_epoch().count());
  key_ = mx::random::key(seed);
}

array Sampler::apply_penalties(const array& logits,
                               const std::vector<std::vector<int32_t>>& history) const {
  const auto& p = params_;
  bool any = p.repetition_penalty != 1.0f || p.presence_penalty != 0 || p.frequency_penalty != 0;
  if (!any || history.empty()) {
    return logits;
  }
  // Token counts over each row's recent window, as a dense [B, vocab] array.
  int B = logits.shape(0);
  std::vector<float> counts(static_cast<size_t>(B) * vocab_size_, 0.0f);
  for (int b = 0; b < B && b < static_cast<int>(history.size()); ++b) {
    const auto& h = history[b];
    size_t start =
        h.size() > static_cast<size_t>(p.penalty_window) ? h.size() - p.penalty_window : 0;
    for (size_t i = start; i < h.size(); ++i) {
      if (h[i] >= 0 && h[i] < vocab_size_) {
        counts[static_cast<size_t>(b) * vocab_size_ + h[i]] += 1.0f;
      }
    }
  }
  auto count = array(counts.begin(), {B, vocab_size_}, mx::float32);
  auto present = mx::greater(count, mx::array(0.0f));
  auto out = mx::astype(logits, mx::float32);
  if (p.repetition_penalty != 1.0f) {
    auto rp = mx::array(p.repetition_penalty);
    auto penalized =
        mx::where(mx::greater(out, mx::array(0.0f)), mx::divide(out, rp), mx::multiply(out, rp));
    out = mx::where(present, penalized, out);
  }
  if (p.presence_penalty != 0) {
    out = mx::subtract(
        out, mx::multiply(mx::astype(present, mx::float32), mx::array(p.presence_penalty)));
  }
  if (p.frequency_penalty != 0) {
    out = mx::subtract(out, mx::multiply(count, mx::array(p.frequency_penalty)));
  }
  return out;
}

array Sampler::processed_logits(const array& raw_logits,
                                const std::vector<std::vector<int32_t>>& history) const {
  const auto& p = params_;
  auto logits = apply_penalties(raw_logits, history);
  if (bias_) {
    logits = mx::add(mx::astype(logits, mx::float32), *bias_);
  }
  if (p.temperature == 0) {
    return logits;
  }
  auto neg_inf = mx::array(-std::numeric_limits<float>::infinity());
  logits = mx::divide(mx::astype(logits, mx::float32), mx::array(p.temperature));
  if (p.top_k > 0 && p.top_k < vocab_size_) {
    // Keep logits at least as large as the k-th largest.
    auto kth = mx::min(mx::topk(logits, p.top_k, -1), -1, true);
    logits = mx::where(mx::less(logits, kth), neg_inf, logits);
  }
  if (p.min_p > 0) {
    auto logprobs = log_probs(logits);
    auto threshold = mx::add(mx::max(logprobs, -1, true), mx::array(std::log(p.min_p)));
    logits = mx::where(mx::less(logprobs, threshold), neg_inf, logits);
  }
  if (p.top_p < 1) {
    // The smallest set of most likely tokens whose probability reaches top_p.
    auto probs = mx::softmax(logits, -1);
    auto order = mx::argsort(mx::negative(probs), -1);
    auto sorted = mx::take_along_axis(probs, order, -1);
    auto before = mx::subtract(mx::cumsum(sorted, -1), sorted); // mass of strictly better tokens
    auto keep_sorted = mx::less(before, mx::array(p.top_p));
    auto keep = mx::put_along_axis(mx::zeros_like(keep_sorted), order, keep_sorted, -1);
    logits = mx::where(keep, logits, neg_inf);
  }
  return logits;
}

array Sampler::sample(const array& raw_logits, const std::vector<std::vector<int32_t>>& history) {
  auto logits = processed_logits(raw_logits, history);
  if (params_.temperature == 0) {
    return mx::argmax(logits, -1);
  }
  return draw(logits);
}

array Sampler::draw(const array& logits) {
  auto [next_key, sample_key] = mx::random::split(*key_);
  key_ = next_key;
  return mx::random::categorical(logits, -1, sample_key);
}

array Sampler::uniform(int n) {
  auto [next_key, sample_key] = mx::random::split(*key_);
  key_ = next_key;
  return mx::random::uniform(0.0f, 1.0f, {n}, mx::float32, sample_key);
}

array Sampler::log_probs(const array& logits) {
  auto x = mx::astype(logits, mx::float32);
  return mx::subtract(x, mx::logsumexp(x, -1, true));
}

} // namespace mlxcpp::lm
