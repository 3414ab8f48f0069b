// Prompt caches: a saved and reloaded cache gives the same logits and greedy tokens as running
// the whole prompt; a shared prefix is reused and a divergent tail trimmed; files for another
// model, corrupt files and other files are clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "lm_test_util.h"
#include "mlxcpp/lm/prompt_cache.h"

namespace {

using namespace lm_test;

class PromptCacheTest : public ::testing::Test {
protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("mlxcpp_prompt_cache_" + std::to_string(::getpid()));
    fs::create_directories(work_);
  }
  void TearDown() override { fs::remove_all(work_); }

  // Saves the cache of `tokens` for `name`'s fixture model and returns the file.
  fs::path save(const std::string& name, LoadedModel& loaded, const std::vector<int32_t>& tokens) {
    PromptCache pc{loaded.model->make_cache(), tokens};
    GenerationParams params;
    params.prefill_step = 4;
    prefill(*loaded.model, tokens, pc.cache, params);
    auto file = work_ / (name + ".safetensors");
    save_prompt_cache(file, pc, model_identity(loaded.config, loaded.dtype));
    return file;
  }

  // Loads `file`, reuses it for `prompt` and decodes greedily.
  std::vector<int32_t> continue_from(const fs::path& file, LoadedModel& loaded,
                                     const std::vector<int32_t>& prompt, int expect_reused) {
    auto pc = load_prompt_cache(file, model_identity(loaded.config, loaded.dtype),
                                loaded.model->num_layers());
    int reused = reuse_prefix(pc, prompt, [&] { return loaded.model->make_cache(); });
    EXPECT_EQ(reused, expect_reused);
    std::vector<int32_t> rest(prompt.begin() + reused, prompt.end());
    std::vector<int32_t> out;
    GenerationParams params;
    params.max_tokens = 24;
    generate(*loaded.model, rest, pc.cache, params, [&](const GeneratedToken& t) {
      out.push_back(t.id);
      return true;
    });
    return out;
  }

  fs::path work_;
};

TEST_F(PromptCacheTest, ReloadedPrefixGivesTheSameLogitsAndTokens) {
  auto loaded = load_model(fixture("llama"));
  auto prompt = reference_prompt("llama");
  auto file = save("llama", loaded, {prompt.begin(), prompt.begin() + 6});

  auto pc = load_prompt_cache(file, model_identity(loaded.config, loaded.dtype), 2);
  EXPECT_EQ(pc.tokens, std::vector<int32_t>(prompt.begin(), prompt.begin() + 6));
  ASSERT_EQ(pc.cache.size(), 2u);
  EXPECT_EQ(pc.cache[0]->offset(), 6);
  auto tail = array(prompt.data() + 6, {1, 5}, mx::int32);
  auto logits = mx::reshape(loaded.model->forward(tail, pc.cache), {5, -1});
  auto expected = mx::slice(prompt_logits(*loaded.model, prompt), {6, 0}, {11, 512});
  EXPECT_LE(mx::max(mx::abs(mx::subtract(logits, expected))).item<float>(), 1e-5f);

  EXPECT_EQ(continue_from(file, loaded, prompt, 6), reference_greedy("llama"));
}

TEST_F(PromptCacheTest, DivergentTailIsTrimmed) {
  auto loaded = load_model(fixture("qwen3"));
  auto prompt = reference_prompt("qwen3");
  std::vector<int32_t> cached(prompt.begin(), prompt.begin() + 8);
  cached.insert(cached.end(), {5, 6, 7, 8});
  auto file = save("qwen3", loaded, cached);
  EXPECT_EQ(continue_from(file, loaded, prompt, 8), reference_greedy("qwen3"));
}

TEST_F(PromptCacheTest, WholePromptCachedStillRunsItsLastToken) {
  auto loaded = load_model(fixture("llama"));
  auto prompt = reference_prompt("llama");
  auto file = save("llama", loaded, prompt);
  EXPECT_EQ(continue_from(file, loaded, prompt, 10), reference_greedy("llama"));
}

TEST_F(PromptCacheTest, RotatedCacheThatCannotBeTrimmedStartsOver) {
  // gemma2's sliding-window layers (window 8) have dropped the early tokens of an 11-token
  // cache, so a prompt diverging at token 5 cannot reuse it.
  auto loaded = load_model(fixture("gemma2"));
  auto prompt = reference_prompt("gemma2");
  std::vector<int32_t> cached(prompt.begin(), prompt.begin() + 5);
  cached.insert(cached.end(), {9, 9, 9, 9, 9, 9});
  auto file = save("gemma2", loaded, cached);
  EXPECT_EQ(continue_from(file, loaded, prompt, 0), reference_greedy("gemma2"));
  // A prefix of the window is still reusable.
  auto file2 = save("gemma2_prefix", loaded, {prompt.begin(), prompt.begin() + 7});
  EXPECT_EQ(continue_from(file2, loaded, prompt, 7), reference_greedy("gemma2"));
}

TEST_F(PromptCacheTest, QuantizedCacheRoundTrips) {
  auto model = random_llama();
  std::vector<int32_t> tokens = {1, 2, 3, 4, 5, 6, 7};
  PromptCache pc{model->make_cache(), tokens};
  model->forward(array(tokens.data(), {1, 7}, mx::int32), pc.cache);
  maybe_quantize_cache(pc.cache, 4, 64, 0);
  nlohmann::json config = {{"model_type", "llama"}, {"seed", 7}};
  auto id = model_identity(config, mx::float32);
  save_prompt_cache(work_ / "q.safetensors", pc, id);
  auto back = load_prompt_cache(work_ / "q.safetensors", id, 2);
  auto* q = dynamic_cast<QuantizedKVCache*>(back.cache[1].get());
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->bits(), 4);
  auto a = pc.cache[1]->state();
  auto b = back.cache[1]->state();
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_TRUE(mx::array_equal(a[i], b[i]).item<bool>()) << "state " << i;
  }
}

void expect_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected an error mentioning " << needle;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST_F(PromptCacheTest, BadFilesAreClearErrors) {
  auto llama = load_model(fixture("llama"));
  auto qwen = load_model(fixture("qwen3"));
  auto prompt = reference_prompt("llama");
  auto file = save("llama", llama, prompt);
  auto qwen_id = model_identity(qwen.config, qwen.dtype);
  auto llama_id = model_identity(llama.config, llama.dtype);
  EXPECT_NE(qwen_id, llama_id);
  EXPECT_NE(llama_id, model_identity(llama.config, mx::bfloat16));
  EXPECT_NE(llama_id, model_identity(llama.config, llama.dtype, 4, 64));

  expect_error([&] { load_prompt_cache(file, qwen_id, 2); }, "made for model llama-");
  expect_error([&] { load_prompt_cache(file, llama_id, 3); }, "layers");
  expect_error([&] { load_prompt_cache(work_ / "none.safetensors", llama_id, 2); }, "no such file");
  expect_error([&] { load_prompt_cache(fixture("llama") / "model.safetensors", llama_id, 2); },
               "not a prompt cache");

  auto garbage = work_ / "garbage.safetensors";
  std::ofstream(garbage) << "definitely not safetensors";
  expect_error([&] { load_prompt_cache(garbage, llama_id, 2); }, "not a readable");

  // Truncated: the header promises more bytes than the file has.
  auto truncated = work_ / "truncated.safetensors";
  fs::copy_file(file, truncated);
  fs::resize_file(truncated, fs::file_size(file) / 2);
  expect_error([&] { load_prompt_cache(truncated, llama_id, 2); }, "prompt cache");

  // Nothing half-written when saving fails.
  PromptCache empty{llama.model->make_cache(), {}};
  EXPECT_THROW(save_prompt_cache(work_ / "empty.safetensors", empty, llama_id),
               std::invalid_argument);
  auto pc = load_prompt_cache(file, llama_id, 2);
  expect_error([&] { save_prompt_cache(work_ / "no" / "dir" / "x.safetensors", pc, llama_id); },
               "cannot write");
  EXPECT_FALSE(fs::exists(work_ / "empty.safetensors"));
}

} // namespace
