// The generation loop: chunked prefill, then one token at a time with the sampler, stopping at
// EOS, a stop string or the token budget.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mlxcpp/lm/cache.h"
#include "mlxcpp/lm/model.h"
#include "mlxcpp/lm/sampler.h"

namespace mlxcpp::lm {

struct GenerationParams {
  int max_tokens = 256;
  SamplingParams sampling;
  std::vector<int32_t> eos_token_ids;
  int prefill_step = 512; // prompt tokens per forward pass
  bool logprobs = false;
  // Quantized KV cache (mlx-lm's --kv-bits): 0 (off), 4 or 8 bits per value, in groups of
  // kv_group_size features, once the cache holds more than quantized_kv_start tokens.
  int kv_bits = 0;
  int kv_group_size = 64;
  int quantized_kv_start = 5000;
  int max_kv_size = 0; // batch_generate's caches (generate() takes its cache from the caller)
};

struct GeneratedToken {
  int32_t id;
  float logprob; // NaN unless GenerationParams::logprobs
};

struct GenerationStats {
  int prompt_tokens = 0;
  int generated_tokens = 0;
  double prompt_seconds = 0;
  double generation_seconds = 0;
  // Speculative decoding: tokens the draft model proposed, and how many the model accepted.
  int draft_tokens = 0;
  int accepted_tokens = 0;
  double acceptance_rate() const {
    return draft_tokens > 0 ? static_cast<double>(accepted_tokens) / draft_tokens : 0;
  }
  double prompt_tps() const { return prompt_seconds > 0 ? prompt_tokens / prompt_seconds : 0; }
  double generation_tps() const {
    // The first token comes from the prefill pass; the rate counts the decode steps.
    return generation_seconds > 0 && generated_tokens > 1
               ? (generated_tokens - 1) / generation_seconds
               : 0;
  }
};

// Called for each generated token; return false to stop (e.g. a stop string matched).
using TokenCallback = std::function<bool(const GeneratedToken&)>;

// Generates a continuation of `prompt` (which must be non-empty). `cache` may already hold a
// prefix of the prompt (prompt caching): pass only the tokens it does not hold.
GenerationStats generate(Model& model, const std::vector<int32_t>& prompt, Cache& cache,
                         const GenerationParams& params, const TokenCallback& on_token);

// Runs `tokens` through the model in chunks of params.prefill_step, appending them to `cache`
// (evaluated as it goes to bound memory; KV quantization applied as params say).
void prefill(Model& model, const std::vector<int32_t>& tokens, Cache& cache,
             const GenerationParams& params);

// Throws std::invalid_argument unless `prompt` is non-empty and inside the vocabulary.
void check_prompt(const std::vector<int32_t>& prompt, int vocab_size);

// One forward pass over the prompt: logits [L, vocab] as float32.
array prompt_logits(Model& model, const std::vector<int32_t>& prompt);

} // namespace mlxcpp::lm
