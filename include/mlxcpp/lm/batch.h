// Batch generation: several prompts decoded together, one forward pass per step for all.
#pragma once

#include <functional>
#include <vector>

#include "mlxcpp/lm/generate.h"

namespace mlxcpp::lm {

// Called for each generated token of prompt `row`; return false to stop that row (e.g. a stop
// string matched).
using BatchTokenCallback = std::function<bool(int row, const GeneratedToken&)>;

struct BatchResult {
  std::vector<std::vector<GeneratedToken>> outputs; // per prompt, EOS excluded
  GenerationStats stats;                            // summed over the prompts
};

// Generates a continuation of every prompt at once. Shorter prompts are left-padded and the
// attention masks hide the padding (KVCache::left_padding), so that with rotary positions each
// row's greedy output equals generate()'s for that prompt alone. Each row stops on its own
// (EOS, the callback, max_tokens); the batch runs until all have. The caches come from
// model.make_cache(params.max_kv_size).
BatchResult batch_generate(Model& model, const std::vector<std::vector<int32_t>>& prompts,
                           const GenerationParams& params, const BatchTokenCallback& on_token = {});

} // namespace mlxcpp::lm
