#include "mlxcpp/lm/batch.h"

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

BatchResult batch_generate(Model& model, const std::vector<std::vector<int32_t>>& prompts,
                           const GenerationParams& params, const BatchTokenCallback& on_token) {
  if (prompts.empty()) {
    throw std::invalid_argument("[batch_generate] No prompts given.");
  }
  for (const auto& p : prompts) {
    check_prompt(p, model.vocab_size());
  }
  int B = static_cast<int>(prompts.size());
  int n = 0;
  for (const auto& p : prompts) {
    n = std::max(n, static_cast<int>(p.size()));
  }
  // Left-pad every prompt to n tokens (token 0: any id works, the masks hide it).
  std::vector<int> padding(B);
  std::vector<int32_t> grid(static_cast<size_t>(B) * n, 0);
  for (int b = 0; b < B; ++b) {
    padding[b] = n - static_cast<int>(prompts[b].size());
    std::copy(prompts[b].begin(), prompts[b].end(),
              grid.begin() + static_cast<size_t>(b) * n + padding[b]);
  }
  auto columns = [&](int from, int to) {
    std::vector<int32_t> part;
    for (int b = 0; b < B; ++b) {
      auto row = grid.begin() + static_cast<size_t>(b) * n;
      part.insert(part.end(), row + from, row + to);
    }
    return array(part.begin(), {B, to - from}, mx::int32);
  };

  BatchResult result;
  result.outputs.resize(B);
  auto& stats = result.stats;
  for (const auto& p : prompts) {
    stats.prompt_tokens += static_cast<int>(p.size());
  }
  auto cache = model.make_cache(params.max_kv_size);
  for (auto& c : cache) {
    c->set_left_padding(padding);
  }
  Sampler sampler(params.sampling, model.vocab_size());
  const auto& sp = params.sampling;
  bool penalties =
      sp.repetition_penalty != 1.0f || sp.presence_penalty != 0 || sp.frequency_penalty != 0;
  std::vector<std::vector<int32_t>> history;
  if (penalties) {
    history = prompts;
  }
  auto quantize = [&] {
    maybe_quantize_cache(cache, params.kv_bits, params.kv_group_size, params.quantized_kv_start);
  };

  auto start = Clock::now();
  int step = std::max(1, params.prefill_step);
  int last_chunk = (n - 1) % step + 1;
  for (int done = 0; done < n - last_chunk; done += step) {
    model.forward(columns(done, done + step), cache);
    eval_cache(cache);
    quantize();
  }
  auto logits = mx::reshape(model.forward(columns(n - last_chunk, n), cache, true), {B, -1});
  quantize();

  std::vector<bool> finished(B, params.max_tokens <= 0);
  auto all_finished = [&] {
    return std::all_of(finished.begin(), finished.end(), [](bool f) { return f; });
  };
  bool first = true;
  while (!all_finished()) {
    auto tokens = mx::astype(sampler.sample(logits, history), mx::int32);
    std::optional<array> logprobs;
    if (params.logprobs) {
      logprobs = mx::take_along_axis(Sampler::log_probs(logits), mx::reshape(tokens, {B, 1}), -1);
      mx::eval(*logprobs);
    }
    mx::eval(tokens);
    if (first) {
      stats.prompt_seconds = seconds_since(start);
      start = Clock::now();
      first = false;
    }
    const int32_t* ids = tokens.data<int32_t>();
    for (int b = 0; b < B; ++b) {
      if (finished[b]) {
        continue;
      }
      int32_t id = ids[b];
      float lp = logprobs ? logprobs->data<float>()[b] : NAN;
      if (penalties) {
        history[b].push_back(id);
      }
      ++stats.generated_tokens;
      bool eos = std::find(params.eos_token_ids.begin(), params.eos_token_ids.end(), id) !=
                 params.eos_token_ids.end();
      if (eos) {
        finished[b] = true;
        continue;
      }
      result.outputs[b].push_back({id, lp});
      bool more = !on_token || on_token(b, GeneratedToken{id, lp});
      finished[b] = !more || static_cast<int>(result.outputs[b].size()) >= params.max_tokens;
    }
    if (all_finished()) {
      break;
    }
    // Finished rows keep decoding (their tokens are ignored): one shape for the whole batch.
    logits = mx::reshape(model.forward(mx::reshape(tokens, {B, 1}), cache, true), {B, -1});
    quantize();
  }
  stats.generation_seconds = seconds_since(start);
  return result;
}

} // namespace mlxcpp::lm
