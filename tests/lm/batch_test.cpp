// Batch generation: each row of a left-padded batch decodes exactly as its prompt alone
// (rotary and learned absolute positions, sliding windows, mixture of experts), rows stop on
// their own, and bad input is a clear error.
#include <gtest/gtest.h>

#include "lm_test_util.h"
#include "mlxcpp/lm/batch.h"

namespace {

using namespace lm_test;

// Prompts of different lengths built from the fixture prompt.
std::vector<std::vector<int32_t>> mixed_prompts(const std::vector<int32_t>& p) {
  return {p, {p.begin(), p.begin() + 4}, {p.begin() + 3, p.end()}, {p[9]}, {p.rbegin(), p.rend()}};
}

class Batch : public ::testing::TestWithParam<std::string> {};

TEST_P(Batch, EachRowEqualsItsPromptAlone) {
  auto loaded = load_model(fixture(GetParam()));
  auto prompts = mixed_prompts(reference_prompt(GetParam()));
  GenerationParams params;
  params.max_tokens = 16;
  params.prefill_step = 4; // several chunks over the padded prompts
  auto result = batch_generate(*loaded.model, prompts, params);
  ASSERT_EQ(result.outputs.size(), prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto alone = greedy(*loaded.model, prompts[i], 16);
    EXPECT_EQ(ids(result.outputs[i]), alone) << "prompt " << i;
  }
  EXPECT_EQ(result.stats.generated_tokens, 16 * 5);
  EXPECT_EQ(result.stats.prompt_tokens, 11 + 4 + 8 + 1 + 11);
  // The fixture's own continuation, too.
  auto ref = reference_greedy(GetParam());
  EXPECT_EQ(ids(result.outputs[0]), std::vector<int32_t>(ref.begin(), ref.begin() + 16));
}

INSTANTIATE_TEST_SUITE_P(Architectures, Batch,
                         ::testing::Values("llama", "gemma2", "gpt2", "qwen3_moe", "mistral",
                                           "deepseek_v3"));

TEST(BatchGenerate, RowsStopOnTheirOwn) {
  auto loaded = load_model(fixture("llama"));
  auto prompts = mixed_prompts(reference_prompt("llama"));
  auto alone0 = greedy(*loaded.model, prompts[0], 12);
  auto alone1 = greedy(*loaded.model, prompts[1], 12);
  GenerationParams params;
  params.max_tokens = 12;
  params.eos_token_ids = {alone0[3]}; // row 0 ends at its 4th token
  params.logprobs = true;
  std::vector<int> calls(prompts.size(), 0);
  auto result =
      batch_generate(*loaded.model, prompts, params, [&](int row, const GeneratedToken& t) {
        ++calls[row];
        EXPECT_LE(t.logprob, 0.0f);
        return !(row == 1 && calls[row] == 2); // the caller stops row 1 after two tokens
      });
  auto first_eos = std::find(alone0.begin(), alone0.end(), alone0[3]);
  EXPECT_EQ(ids(result.outputs[0]), std::vector<int32_t>(alone0.begin(), first_eos));
  EXPECT_EQ(ids(result.outputs[1]), std::vector<int32_t>(alone1.begin(), alone1.begin() + 2));
  EXPECT_EQ(calls[1], 2);
  EXPECT_LE(result.outputs[2].size(), 12u);

  // Log-probabilities match the single-prompt run's.
  std::vector<float> lp;
  auto cache = loaded.model->make_cache();
  GenerationParams single;
  single.max_tokens = 2;
  single.logprobs = true;
  generate(*loaded.model, prompts[1], cache, single, [&](const GeneratedToken& t) {
    lp.push_back(t.logprob);
    return true;
  });
  ASSERT_EQ(lp.size(), 2u);
  EXPECT_NEAR(result.outputs[1][0].logprob, lp[0], 1e-4);
  EXPECT_NEAR(result.outputs[1][1].logprob, lp[1], 1e-4);
}

TEST(BatchGenerate, PenaltiesLookAtEachRowsOwnTokens) {
  auto loaded = load_model(fixture("qwen3"));
  auto prompts = mixed_prompts(reference_prompt("qwen3"));
  GenerationParams params;
  params.max_tokens = 12;
  params.sampling.repetition_penalty = 1.8f;
  params.sampling.frequency_penalty = 0.5f;
  params.sampling.penalty_window = 8;
  auto result = batch_generate(*loaded.model, prompts, params);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(ids(result.outputs[i]), greedy(*loaded.model, prompts[i], 12, params))
        << "prompt " << i;
  }
  EXPECT_NE(ids(result.outputs[0]), greedy(*loaded.model, prompts[0], 12))
      << "the penalties changed nothing: a weak test";
}

TEST(BatchGenerate, BadInputIsAClearError) {
  auto loaded = load_model(fixture("llama"));
  GenerationParams params;
  EXPECT_THROW(batch_generate(*loaded.model, {}, params), std::invalid_argument);
  EXPECT_THROW(batch_generate(*loaded.model, {{1, 2}, {}}, params), std::invalid_argument);
  EXPECT_THROW(batch_generate(*loaded.model, {{1, 2}, {3, 600}}, params), std::invalid_argument);
}

} // namespace
