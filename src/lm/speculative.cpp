#include "mlxcpp/lm/speculative.h"

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

array token_row(const std::vector<int32_t>& ids) {
  return array(ids.data(), {1, static_cast<int>(ids.size())}, mx::int32);
}

// Rejected draft tokens are trimmed off; a rotating cache keeps enough spare tokens for that.
void allow_trimming(Cache& cache, int n) {
  for (auto& c : cache) {
    if (auto* rotating = dynamic_cast<RotatingKVCache*>(c.get())) {
      rotating->set_trim_margin(n);
    }
  }
}

void trim(Cache& cache, int n) {
  for (auto& c : cache) {
    if (!c->can_trim(n)) {
      throw std::runtime_error("[speculative_generate] A layer cache cannot drop " +
                               std::to_string(n) + " rejected tokens.");
    }
    c->trim(n);
  }
}

// One draft step's outcome: the tokens to emit (accepted draft tokens, then the model's own).
struct Verdict {
  std::vector<int32_t> tokens;
  int accepted = 0;
};

// Greedy: keep draft tokens while they equal the model's argmax; then the model's argmax.
Verdict verify_greedy(const array& logits, const std::vector<int32_t>& drafts) {
  auto best = mx::astype(mx::argmax(logits, -1), mx::int32);
  mx::eval(best);
  const int32_t* b = best.data<int32_t>();
  Verdict v;
  while (v.accepted < static_cast<int>(drafts.size()) && b[v.accepted] == drafts[v.accepted]) {
    v.tokens.push_back(drafts[v.accepted]);
    ++v.accepted;
  }
  v.tokens.push_back(b[v.accepted]);
  return v;
}

// Sampling: accept draft token i with probability min(1, p_i(d) / q_i(d)); on the first
// rejection draw from normalize(max(0, p_i - q_i)); when all pass, draw from p_{k+1}.
Verdict verify_sampled(Sampler& sampler, const array& logits, const array& draft_probs,
                       const std::vector<int32_t>& drafts) {
  int k = static_cast<int>(drafts.size());
  auto target_logits = sampler.processed_logits(logits, {});
  auto p = mx::softmax(target_logits, -1); // [k + 1, vocab]
  Verdict v;
  if (k > 0) {
    auto ids = mx::reshape(token_row(drafts), {k, 1});
    auto pk = mx::slice(p, {0, 0}, {k, p.shape(1)});
    auto p_d = mx::reshape(mx::take_along_axis(pk, ids, -1), {k});
    auto q_d = mx::reshape(mx::take_along_axis(draft_probs, ids, -1), {k});
    auto u = sampler.uniform(k);
    // u < p/q, written without dividing by a zero q.
    auto accept = mx::less(mx::multiply(u, q_d), p_d);
    mx::eval(accept);
    const bool* a = accept.data<bool>();
    while (v.accepted < k && a[v.accepted]) {
      v.tokens.push_back(drafts[v.accepted]);
      ++v.accepted;
    }
  }
  int i = v.accepted;
  auto row = mx::slice(p, {i, 0}, {i + 1, p.shape(1)});
  array next = array(0);
  if (i < k) {
    auto q_row = mx::slice(draft_probs, {i, 0}, {i + 1, p.shape(1)});
    auto residual = mx::maximum(mx::subtract(row, q_row), mx::array(0.0f));
    // log of the unnormalized residual; categorical normalizes.
    next = sampler.draw(mx::log(residual));
  } else {
    next = sampler.draw(mx::slice(target_logits, {i, 0}, {i + 1, p.shape(1)}));
  }
  v.tokens.push_back(static_cast<int32_t>(next.item<uint32_t>()));
  return v;
}

} // namespace

GenerationStats speculative_generate(Model& model, Model& draft, const std::vector<int32_t>& prompt,
                                     Cache& cache, Cache& draft_cache,
                                     const GenerationParams& params, int num_draft_tokens,
                                     const TokenCallback& on_token) {
  check_prompt(prompt, model.vocab_size());
  if (num_draft_tokens < 1) {
    throw std::invalid_argument("[speculative_generate] The number of draft tokens must be at "
                                "least 1, got " +
                                std::to_string(num_draft_tokens) + ".");
  }
  if (draft.vocab_size() != model.vocab_size()) {
    throw std::invalid_argument("[speculative_generate] The draft model's vocabulary (" +
                                std::to_string(draft.vocab_size()) +
                                ") differs from the model's (" +
                                std::to_string(model.vocab_size()) + ").");
  }
  const auto& sp = params.sampling;
  if (sp.repetition_penalty != 1.0f || sp.presence_penalty != 0 || sp.frequency_penalty != 0) {
    throw std::invalid_argument("[speculative_generate] Repetition, presence and frequency "
                                "penalties are not supported with a draft model.");
  }
  Sampler sampler(sp, model.vocab_size());
  bool greedy = sp.temperature == 0;
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int>(prompt.size());

  auto start = Clock::now();
  allow_trimming(cache, num_draft_tokens);
  allow_trimming(draft_cache, num_draft_tokens);
  std::vector<int32_t> head(prompt.begin(), prompt.end() - 1);
  prefill(model, head, cache, params);
  prefill(draft, head, draft_cache, params);
  stats.prompt_seconds = seconds_since(start);

  start = Clock::now();
  // Tokens known but not yet in each cache: the model always lacks exactly the last one; the
  // draft also lacks the last draft token when every draft was accepted.
  int32_t last = prompt.back();
  std::vector<int32_t> draft_pending = {last};
  auto is_eos = [&](int32_t id) {
    return std::find(params.eos_token_ids.begin(), params.eos_token_ids.end(), id) !=
           params.eos_token_ids.end();
  };
  bool done = params.max_tokens <= 0;
  while (!done) {
    int k = std::min(num_draft_tokens, params.max_tokens - stats.generated_tokens - 1);
    std::vector<int32_t> drafts;
    std::vector<array> draft_probs;
    auto input = draft_pending;
    for (int j = 0; j < k; ++j) {
      auto lg = mx::reshape(draft.forward(token_row(input), draft_cache, true), {1, -1});
      array d = array(0);
      if (greedy) {
        d = mx::argmax(sampler.processed_logits(lg, {}), -1);
      } else {
        auto q = sampler.processed_logits(lg, {});
        draft_probs.push_back(mx::softmax(q, -1));
        d = sampler.draw(q);
      }
      drafts.push_back(static_cast<int32_t>(d.item<uint32_t>()));
      input = {drafts.back()};
    }
    maybe_quantize_cache(draft_cache, params.kv_bits, params.kv_group_size,
                         params.quantized_kv_start);

    std::vector<int32_t> verify = {last};
    verify.insert(verify.end(), drafts.begin(), drafts.end());
    auto logits = mx::reshape(model.forward(token_row(verify), cache), {k + 1, -1});
    auto verdict =
        greedy ? verify_greedy(sampler.processed_logits(logits, {}), drafts)
               : verify_sampled(sampler, logits,
                                k > 0 ? mx::concatenate(draft_probs, 0) : array(0.0f), drafts);
    int a = verdict.accepted;
    trim(cache, k - a);
    maybe_quantize_cache(cache, params.kv_bits, params.kv_group_size, params.quantized_kv_start);
    if (k == 0) {
      draft_pending.push_back(verdict.tokens.back());
    } else if (a < k) {
      trim(draft_cache, k - 1 - a); // it holds the pending tokens and drafts 1..k-1
      draft_pending = {verdict.tokens.back()};
    } else {
      draft_pending = {drafts.back(), verdict.tokens.back()};
    }
    stats.draft_tokens += k;
    stats.accepted_tokens += a;
    last = verdict.tokens.back();

    std::optional<array> logprobs;
    if (params.logprobs) {
      logprobs = Sampler::log_probs(logits);
      mx::eval(*logprobs);
    }
    for (size_t i = 0; i < verdict.tokens.size() && !done; ++i) {
      int32_t id = verdict.tokens[i];
      float lp = logprobs ? mx::slice(*logprobs, {static_cast<int>(i), id},
                                      {static_cast<int>(i) + 1, id + 1})
                                .item<float>()
                          : NAN;
      ++stats.generated_tokens;
      done = is_eos(id) || !on_token(GeneratedToken{id, lp}) ||
             stats.generated_tokens >= params.max_tokens;
    }
  }
  stats.generation_seconds = seconds_since(start);
  return stats;
}

} // namespace mlxcpp::lm
