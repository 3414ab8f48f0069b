// mlxcpp cache-prompt: run a prompt through the model once and save its KV cache (with the
// tokens and the model's identity) to a .safetensors file, for generate --prompt-cache-file.
#include <cstdio>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/prompt_cache.h"
#include "model_options.h"

namespace mlxcpp::cli {

namespace {

struct CachePromptOptions {
  ModelOptions model;
  KVCacheOptions kv;
  PromptOptions prompt;
  std::string out;
  int prefill_step = 512;
};

void run(const CachePromptOptions& o) {
  auto lm = load_lm(o.model, !o.prompt.have_ids());
  auto prompt = prompt_tokens(o.prompt, lm);
  auto& model = *lm.model.model;
  try {
    lm::check_prompt(prompt, model.vocab_size());
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what());
  }
  lm::GenerationParams params;
  params.prefill_step = o.prefill_step;
  apply_kv_cache_options(o.kv, params);
  lm::PromptCache pc{model.make_cache(o.model.max_kv_size), prompt};
  try {
    lm::prefill(model, prompt, pc.cache, params);
    lm::save_prompt_cache(o.out, pc,
                          lm::model_identity(lm.model.config, lm.model.dtype, o.model.quantize,
                                             o.model.quantize ? o.model.group_size : 0));
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
  std::printf("Saved the cache of %zu prompt tokens to %s\n", prompt.size(), o.out.c_str());
}

const CommandRegistration registration{{
    "cache-prompt",
    "Run a prompt once and save its KV cache for generate --prompt-cache-file",
    [](CLI::App& sub) {
      auto o = std::make_shared<CachePromptOptions>();
      add_model_options(sub, o->model);
      add_kv_cache_options(sub, o->kv);
      add_prompt_options(sub, o->prompt);
      sub.add_option("--out", o->out, "The prompt cache file to write (.safetensors)")->required();
      sub.add_option("--prefill-step", o->prefill_step, "Prompt tokens per forward pass")
          ->check(CLI::PositiveNumber);
      sub.callback([o] { run(*o); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
