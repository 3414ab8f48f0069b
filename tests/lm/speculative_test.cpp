// Speculative decoding: greedy output equals the model's own greedy continuation whatever the
// draft (itself, another architecture, a sliding-window model whose caches rotate), sampled
// output follows the model's distribution, and bad settings are clear errors.
#include <gtest/gtest.h>

#include <cmath>

#include "lm_test_util.h"
#include "mlxcpp/lm/speculative.h"

namespace {

using namespace lm_test;

std::vector<int32_t> speculative(Model& model, Model& draft, const std::vector<int32_t>& prompt,
                                 int n, int num_draft, GenerationStats* stats = nullptr,
                                 GenerationParams params = {}) {
  params.max_tokens = n;
  auto cache = model.make_cache();
  auto draft_cache = draft.make_cache();
  std::vector<int32_t> out;
  auto s = speculative_generate(model, draft, prompt, cache, draft_cache, params, num_draft,
                                [&](const GeneratedToken& t) {
                                  out.push_back(t.id);
                                  return true;
                                });
  if (stats) {
    *stats = s;
  }
  // As generate() does, the count includes an EOS token, which is not handed out.
  EXPECT_GE(s.generated_tokens, static_cast<int>(out.size()));
  EXPECT_LE(s.generated_tokens, static_cast<int>(out.size()) + 1);
  return out;
}

TEST(Speculative, OwnDraftAcceptsEverythingAndMatchesGreedy) {
  auto loaded = load_model(fixture("llama"));
  auto prompt = reference_prompt("llama");
  for (int k : {1, 3, 5}) {
    GenerationStats stats;
    EXPECT_EQ(speculative(*loaded.model, *loaded.model, prompt, 24, k, &stats),
              reference_greedy("llama"))
        << k << " draft tokens";
    EXPECT_GT(stats.draft_tokens, 0);
    EXPECT_EQ(stats.accepted_tokens, stats.draft_tokens);
    EXPECT_DOUBLE_EQ(stats.acceptance_rate(), 1.0);
  }
}

TEST(Speculative, OtherDraftsStillGiveTheModelsGreedyOutput) {
  // Main model, draft: different architectures with the same 512-token vocabulary. gemma2's
  // sliding-window caches (window 8) rotate during the 35 tokens, and rejected drafts are
  // trimmed from them.
  for (auto [main, draft] : {std::pair{"llama", "qwen3"}, std::pair{"gemma2", "llama"},
                             std::pair{"qwen3", "llama_q4"}, std::pair{"mistral", "gemma2"}}) {
    auto m = load_model(fixture(main));
    auto d = load_model(fixture(draft));
    for (int k : {2, 4}) {
      GenerationStats stats;
      EXPECT_EQ(speculative(*m.model, *d.model, reference_prompt(main), 24, k, &stats),
                reference_greedy(main))
          << main << " drafted by " << draft << ", " << k << " draft tokens";
      EXPECT_LT(stats.accepted_tokens, stats.draft_tokens) << "a different model agrees always?";
    }
  }
}

TEST(Speculative, StopsAtEosAndTheTokenBudget) {
  auto loaded = load_model(fixture("llama"));
  auto greedy_ref = reference_greedy("llama");
  GenerationParams params;
  params.eos_token_ids = {greedy_ref[5]};
  auto out =
      speculative(*loaded.model, *loaded.model, reference_prompt("llama"), 24, 4, nullptr, params);
  EXPECT_EQ(out, std::vector<int32_t>(greedy_ref.begin(), greedy_ref.begin() + 5));
  EXPECT_EQ(speculative(*loaded.model, *loaded.model, reference_prompt("llama"), 7, 4),
            std::vector<int32_t>(greedy_ref.begin(), greedy_ref.begin() + 7));
}

// The first sampled token's frequencies against the model's own top-4 distribution at
// temperature 1, with a draft (another model) whose top 4 differ: the rejection rule must
// correct for it.
TEST(Speculative, SamplingFollowsTheModelsDistribution) {
  auto m = load_model(fixture("llama"));
  auto d = load_model(fixture("qwen3"));
  auto prompt = reference_prompt("llama");
  auto logits = mx::slice(prompt_logits(*m.model, prompt), {10, 0}, {11, 512});
  auto kth = mx::min(mx::topk(logits, 4, -1), -1, true);
  auto masked = mx::where(mx::less(logits, kth), mx::array(-INFINITY), logits);
  auto p = mx::softmax(masked, -1);
  mx::eval(p);
  const int runs = 400;
  std::vector<int> counts(512, 0);
  GenerationParams params;
  params.sampling.temperature = 1.0f;
  params.sampling.top_k = 4;
  for (int i = 0; i < runs; ++i) {
    params.sampling.seed = 1000 + i;
    auto out = speculative(*m.model, *d.model, prompt, 2, 1, nullptr, params);
    ASSERT_FALSE(out.empty());
    ++counts[out[0]];
  }
  const float* probs = p.data<float>();
  for (int t = 0; t < 512; ++t) {
    double expected = probs[t];
    double freq = double(counts[t]) / runs;
    double sigma = std::sqrt(std::max(expected * (1 - expected), 1e-9) / runs);
    EXPECT_LE(std::abs(freq - expected), 4.5 * sigma + 1e-9)
        << "token " << t << ": frequency " << freq << ", probability " << expected;
  }
}

TEST(Speculative, BadSettingsAreClearErrors) {
  auto loaded = load_model(fixture("llama"));
  auto prompt = reference_prompt("llama");
  EXPECT_THROW(speculative(*loaded.model, *loaded.model, prompt, 4, 0), std::invalid_argument);
  GenerationParams params;
  params.sampling.repetition_penalty = 1.3f;
  EXPECT_THROW(speculative(*loaded.model, *loaded.model, prompt, 4, 2, nullptr, params),
               std::invalid_argument);
  nlohmann::json config = {{"model_type", "llama"},    {"hidden_size", 64},
                           {"num_attention_heads", 4}, {"num_hidden_layers", 1},
                           {"intermediate_size", 64},  {"vocab_size", 256}};
  auto small = create_model(config);
  try {
    speculative(*loaded.model, *small, prompt, 4, 2);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("vocabulary"), std::string::npos) << e.what();
  }
}

} // namespace
