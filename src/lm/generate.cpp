#include "mlxcpp/lm/generate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "mlx/ops.h"
#include "mlx/transforms.h"

namespace mlxcpp::lm {

namespace mx = mlx::core;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

array token_array(const int32_t* ids, int n) {
  return array(ids, {1, n}, mx::int32);
}

void eval_cache(Cache& cache) {
  std::vector<array> state;
  for (auto& c : cache) {
    for (auto& a : c->state()) {
      state.push_back(a);
    }
  }
  mx::eval(state);
}

} // namespace

void check_prompt(const std::vector<int32_t>& prompt, int vocab_size) {
  if (prompt.empty()) {
    throw std::invalid_argument("The prompt must have at least one token.");
  }
  for (auto id : prompt) {
    if (id < 0 || id >= vocab_size) {
      throw std::invalid_argument("Prompt token " + std::to_string(id) +
                                  " is outside the vocabulary of " + std::to_string(vocab_size) +
                                  ".");
    }
  }
}

void prefill(Model& model, const std::vector<int32_t>& tokens, Cache& cache,
             const GenerationParams& params) {
  int n = static_cast<int>(tokens.size());
  int step = std::max(1, params.prefill_step);
  for (int done = 0; done < n; done += step) {
    model.forward(token_array(tokens.data() + done, std::min(step, n - done)), cache);
    eval_cache(cache);
    maybe_quantize_cache(cache, params.kv_bits, params.kv_group_size, params.quantized_kv_start);
  }
}

GenerationStats generate(Model& model, const std::vector<int32_t>& prompt, Cache& cache,
                         const GenerationParams& params, const TokenCallback& on_token) {
  check_prompt(prompt, model.vocab_size());
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int>(prompt.size());
  Sampler sampler(params.sampling, model.vocab_size());
  bool penalties = params.sampling.repetition_penalty != 1.0f ||
                   params.sampling.presence_penalty != 0 || params.sampling.frequency_penalty != 0;
  std::vector<std::vector<int32_t>> history;
  if (penalties) {
    history.push_back(prompt);
  }

  // Prefill whole chunks; the pass over the last (partial) chunk gives the first logits.
  auto start = Clock::now();
  int n = static_cast<int>(prompt.size());
  int last_chunk = (n - 1) % std::max(1, params.prefill_step) + 1;
  prefill(model, std::vector<int32_t>(prompt.begin(), prompt.end() - last_chunk), cache, params);
  auto step_logits = [&](const array& tokens) {
    auto logits = mx::reshape(model.forward(tokens, cache, /* last_only */ true), {1, -1});
    maybe_quantize_cache(cache, params.kv_bits, params.kv_group_size, params.quantized_kv_start);
    return logits;
  };
  auto logits = step_logits(token_array(prompt.data() + n - last_chunk, last_chunk));
  auto choose = [&](const array& lg) {
    auto token = sampler.sample(lg, history);
    std::optional<array> logprob;
    if (params.logprobs) {
      logprob = mx::take_along_axis(Sampler::log_probs(lg),
                                    mx::reshape(mx::astype(token, mx::int32), {1, 1}), -1);
    }
    return std::pair{token, logprob};
  };
  auto [token, logprob] = choose(logits);
  mx::eval(token);
  stats.prompt_seconds = seconds_since(start);

  start = Clock::now();
  for (int i = 0; i < params.max_tokens; ++i) {
    int32_t id = static_cast<int32_t>(token.item<uint32_t>());
    float lp = logprob ? logprob->item<float>() : NAN;
    // Queue the next step before handing this token out, so the callback's work (detokenizing,
    // printing) overlaps the model's.
    bool last = i + 1 == params.max_tokens ||
                std::find(params.eos_token_ids.begin(), params.eos_token_ids.end(), id) !=
                    params.eos_token_ids.end();
    std::optional<std::pair<array, std::optional<array>>> next;
    if (penalties) {
      history[0].push_back(id);
    }
    if (!last) {
      next = choose(step_logits(mx::reshape(mx::astype(token, mx::int32), {1, 1})));
      mx::async_eval(next->first);
    }
    ++stats.generated_tokens;
    bool is_eos = std::find(params.eos_token_ids.begin(), params.eos_token_ids.end(), id) !=
                  params.eos_token_ids.end();
    if (is_eos || !on_token(GeneratedToken{id, lp}) || last) {
      break;
    }
    token = next->first;
    logprob = next->second;
  }
  stats.generation_seconds = seconds_since(start);
  return stats;
}

array prompt_logits(Model& model, const std::vector<int32_t>& prompt) {
  auto cache = model.make_cache();
  auto logits = model.forward(token_array(prompt.data(), static_cast<int>(prompt.size())), cache);
  auto out = mx::astype(mx::reshape(logits, {static_cast<int>(prompt.size()), -1}), mx::float32);
  mx::eval(out);
  return out;
}

} // namespace mlxcpp::lm
