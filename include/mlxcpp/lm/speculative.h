// Speculative decoding: a small draft model proposes a few tokens, the model checks them all in
// one forward pass and keeps the longest agreeing prefix plus one token of its own.
#pragma once

#include <vector>

#include "mlxcpp/lm/generate.h"

namespace mlxcpp::lm {

// Generates like generate() but with `draft` proposing up to `num_draft_tokens` tokens per
// step. Greedy (temperature 0) output equals generate()'s exactly; with sampling each draft
// token is accepted with probability min(1, p/q) and a rejection draws from max(0, p - q)
// normalized (the standard rule), so the output follows the model's own distribution. Both
// models must share the vocabulary; repetition/presence/frequency penalties are not supported.
// `cache` and `draft_cache` start empty. Stats report the draft tokens proposed and accepted.
GenerationStats speculative_generate(Model& model, Model& draft, const std::vector<int32_t>& prompt,
                                     Cache& cache, Cache& draft_cache,
                                     const GenerationParams& params, int num_draft_tokens,
                                     const TokenCallback& on_token);

} // namespace mlxcpp::lm
