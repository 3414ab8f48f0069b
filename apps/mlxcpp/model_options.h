// Options shared by the model subcommands (generate, chat, logits, bench): which model, how to
// load it, where to run, and how to sample.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/loader.h"
#include "mlxcpp/lm/sampler.h"
#include "mlxcpp/tokenizer/pretrained.h"

namespace mlxcpp::cli {

struct ModelOptions {
  std::string model; // empty: the embedded default model
  std::string dtype; // float32|float16|bfloat16 (or f32/f16/bf16)
  int quantize = 0;  // 4 or 8: quantize dense layers on load
  int group_size = 64;
  std::string device = "cpu";
  int max_kv_size = 0;
};

void add_model_options(CLI::App& app, ModelOptions& options, bool model_required = false);

// --kv-bits, --kv-group-size, --quantized-kv-start (mlx-lm's names and defaults).
struct KVCacheOptions {
  int kv_bits = 0;
  int kv_group_size = 64;
  int quantized_kv_start = 5000;
};

void add_kv_cache_options(CLI::App& app, KVCacheOptions& options);

// Copies the KV cache options into `params`.
void apply_kv_cache_options(const KVCacheOptions& options, lm::GenerationParams& params);

struct SamplingOptions {
  lm::SamplingParams params;
  std::vector<std::string> logit_bias; // "ID=BIAS"
};

void add_sampling_options(CLI::App& app, SamplingOptions& options);

// The sampling parameters, with --logit-bias parsed (a bad entry is a CommandError).
lm::SamplingParams sampling_params(const SamplingOptions& options);

// Makes --device the default device (a CommandError when unavailable).
void select_device(const std::string& device);

// The model folder: --model, else the embedded default model.
std::string resolve_model_path(const std::string& model);

struct LoadedLM {
  lm::LoadedModel model;
  std::optional<tokenizer::PretrainedTokenizer> tokenizer; // absent without tokenizer.json
};

// Loads the model (with a progress bar on a terminal for large models) and its tokenizer;
// every failure is a CommandError with one clear line.
LoadedLM load_lm(const ModelOptions& options, bool need_tokenizer);

// The prompt as text (through the chat template unless --no-chat-template or the tokenizer
// has none) or as token ids.
struct PromptOptions {
  std::string prompt = "Once upon a time";
  std::string prompt_ids;
  std::string system;
  bool no_chat_template = false;
  CLI::Option* text_option = nullptr; // set by add_prompt_options
  CLI::Option* ids_option = nullptr;
  bool have_ids() const { return ids_option && ids_option->count() > 0; }
};

void add_prompt_options(CLI::App& app, PromptOptions& options);

// The prompt's token ids (a CommandError when it cannot be made).
std::vector<int32_t> prompt_tokens(const PromptOptions& options, const LoadedLM& lm);

// Tokens for one prompt text, as prompt_tokens() makes them.
std::vector<int32_t> text_prompt_tokens(const std::string& text, const std::string& system,
                                        bool no_chat_template, const LoadedLM& lm);

// Parses "1,2,3" (a CommandError for anything else).
std::vector<int32_t> parse_ids(const std::string& text, const char* flag);

// The model's EOS ids plus the tokenizer's eos_token.
std::vector<int32_t> eos_ids(const LoadedLM& lm);

} // namespace mlxcpp::cli
