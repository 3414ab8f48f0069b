// Turning logits into the next token: penalties, logit bias, temperature, top-k, top-p, min-p,
// and seeded sampling, all with array ops so that they run on the model's device.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "mlx/array.h"

namespace mlxcpp::lm {

using mlx::core::array;

struct SamplingParams {
  float temperature = 0.0f;        // 0: greedy
  int top_k = 0;                   // 0: off
  float top_p = 1.0f;              // 1: off
  float min_p = 0.0f;              // 0: off
  float repetition_penalty = 1.0f; // HF's: divides positive logits, multiplies negative ones
  float presence_penalty = 0.0f;   // subtracted once per token present in the window
  float frequency_penalty = 0.0f;  // subtracted per occurrence in the window
  int penalty_window = 64;         // recent tokens the penalties look at
  std::unordered_map<int32_t, float> logit_bias;
  std::optional<uint64_t> seed;
};

class Sampler {
public:
  Sampler(SamplingParams params, int vocab_size);

  // logits [B, vocab] -> token ids [B] (uint32). `history` holds the tokens of each batch row
  // seen so far (for penalties); it may be empty when no penalty is set.
  array sample(const array& logits, const std::vector<std::vector<int32_t>>& history);

  // The logits that sample() draws from: penalties and bias, then (temperature > 0)
  // temperature scaling and the top-k/min-p/top-p filters as -inf. Speculative decoding
  // compares the model's and the draft's distributions through these.
  array processed_logits(const array& logits,
                         const std::vector<std::vector<int32_t>>& history) const;

  // A token [B] drawn from softmax(logits) [B, vocab], and n uniform numbers in [0, 1), both
  // from this sampler's seeded key sequence.
  array draw(const array& logits);
  array uniform(int n);

  // log-softmax of the raw logits [B, vocab] (for per-token log-probabilities).
  static array log_probs(const array& logits);

  const SamplingParams& params() const { return params_; }

private:
  array apply_penalties(const array& logits,
                        const std::vector<std::vector<int32_t>>& history) const;

  SamplingParams params_;
  int vocab_size_;
  std::optional<array> bias_;
  std::optional<array> key_;
};

} // namespace mlxcpp::lm
