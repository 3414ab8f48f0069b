// Options shared by the model subcommands (generate, chat, logits, bench): which model, how to
// load it, where to run, and how to sample.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mlxcpp/lm/loader.h"
#include "mlxcpp/lm/sampler.h"
#include "mlxcpp/tokenizer/pretrained.h"

namespace mlxcpp::cli {

struct ModelOptions {
  std::string model;  // empty: the embedded default model
  std::string dtype;  // float32|float16|bfloat16 (or f32/f16/bf16)
  int quantize = 0;   // 4 or 8: quantize dense layers on load
  int group_size = 64;
  std::string device = "cpu";
  int max_kv_size = 0;
};

void add_model_options(CLI::App& app, ModelOptions& options, bool model_required = false);

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

// Parses "1,2,3" (a CommandError for anything else).
std::vector<int32_t> parse_ids(const std::string& text, const char* flag);

// The model's EOS ids plus the tokenizer's eos_token.
std::vector<int32_t> eos_ids(const LoadedLM& lm);

} // namespace mlxcpp::cli
