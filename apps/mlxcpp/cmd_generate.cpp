// mlxcpp generate: stream a model's continuation of a prompt, then a one-line summary (or, with
// --json, one JSON object at the end). Also: a prompt cache file (--prompt-cache-file), a draft
// model for speculative decoding (--draft-model) and a batch of prompts (--prompts-file).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/lm/batch.h"
#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/prompt_cache.h"
#include "mlxcpp/lm/speculative.h"
#include "mlxcpp/tokenizer/streaming_detokenizer.h"
#include "model_options.h"
#include "stop_strings.h"

namespace mlxcpp::cli {

namespace {

struct GenerateOptions {
  ModelOptions model;
  SamplingOptions sampling;
  KVCacheOptions kv;
  PromptOptions prompt;
  int max_tokens = 256;
  bool json = false;
  bool logprobs = false;
  std::vector<std::string> stop;
  int prefill_step = 512;
  std::string prompt_cache_file;
  std::string draft_model;
  int num_draft_tokens = 3;
  std::string prompts_file;
};

// One sequence's text: the streaming detokenizer (when there is a tokenizer) and stop strings.
class TextStream {
public:
  TextStream(const LoadedLM& lm, const std::vector<std::string>& stops) : stops_(stops) {
    if (lm.tokenizer) {
      detok_.emplace(lm.tokenizer->tokenizer());
    }
  }
  // Adds a token; returns the text that became safe to show and sets `stopped` on a match.
  std::string push(int32_t id, bool& stopped) {
    if (!detok_) {
      return "";
    }
    auto piece = stops_.push(detok_->push(id), stopped);
    text_ += piece;
    return piece;
  }
  // The rest of the text once generation has ended.
  std::string finish() {
    if (!detok_) {
      return "";
    }
    bool stopped = false;
    auto tail = stops_.push(detok_->finish(), stopped) + (stopped ? "" : stops_.flush());
    text_ += tail;
    return tail;
  }
  const std::string& text() const { return text_; }

private:
  std::optional<tokenizer::StreamingDetokenizer> detok_;
  StopStrings stops_;
  std::string text_;
};

void check_context(const LoadedLM& lm, size_t prompt_size) {
  int context = lm.model.config.value("max_position_embeddings", 0);
  if (context > 0 && static_cast<int>(prompt_size) > context) {
    throw CommandError("the prompt has " + std::to_string(prompt_size) +
                       " tokens, more than the model's context of " + std::to_string(context));
  }
}

lm::GenerationParams generation_params(const GenerateOptions& o, const LoadedLM& lm) {
  lm::GenerationParams params;
  params.max_tokens = o.max_tokens;
  params.sampling = sampling_params(o.sampling);
  params.eos_token_ids = eos_ids(lm);
  params.prefill_step = o.prefill_step;
  params.logprobs = o.logprobs;
  params.max_kv_size = o.model.max_kv_size;
  apply_kv_cache_options(o.kv, params);
  return params;
}

std::string identity(const GenerateOptions& o, const LoadedLM& lm) {
  return lm::model_identity(lm.model.config, lm.model.dtype, o.model.quantize,
                            o.model.quantize ? o.model.group_size : 0);
}

void run_single(const GenerateOptions& o, LoadedLM& lm) {
  auto prompt = prompt_tokens(o.prompt, lm);
  if (prompt.empty()) {
    throw CommandError("the prompt is empty");
  }
  check_context(lm, prompt.size());
  auto params = generation_params(o, lm);
  auto& model = *lm.model.model;

  // The cache: fresh, or a prompt cache file's with the shared prefix kept.
  auto fresh = [&] { return model.make_cache(o.model.max_kv_size); };
  lm::PromptCache pc{{}, {}};
  int cached = 0;
  if (!o.prompt_cache_file.empty()) {
    try {
      pc = lm::load_prompt_cache(o.prompt_cache_file, identity(o, lm), model.num_layers());
    } catch (const std::runtime_error& e) {
      throw CommandError(e.what());
    }
    cached = lm::reuse_prefix(pc, prompt, fresh);
  } else {
    pc.cache = fresh();
  }
  std::vector<int32_t> rest(prompt.begin() + cached, prompt.end());

  std::optional<LoadedLM> draft;
  if (!o.draft_model.empty()) {
    auto options = o.model;
    options.model = o.draft_model;
    draft = load_lm(options, false);
  }

  TextStream stream(lm, o.stop);
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  auto on_token = [&](const lm::GeneratedToken& t) {
    tokens.push_back(t.id);
    logprobs.push_back(t.logprob);
    bool stopped = false;
    auto piece = stream.push(t.id, stopped);
    if (!o.json) {
      std::cout << piece << std::flush;
    }
    return !stopped;
  };
  mlx::core::reset_peak_memory();
  lm::GenerationStats stats;
  try {
    if (draft) {
      auto draft_cache = draft->model.model->make_cache(o.model.max_kv_size);
      stats = lm::speculative_generate(model, *draft->model.model, rest, pc.cache, draft_cache,
                                       params, o.num_draft_tokens, on_token);
    } else {
      stats = lm::generate(model, rest, pc.cache, params, on_token);
    }
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what());
  }
  auto tail = stream.finish();
  if (!o.json) {
    std::cout << tail;
  }
  auto peak = mlx::core::get_peak_memory();
  if (o.json) {
    nlohmann::json out = {{"tokens", tokens},
                          {"text", stream.text()},
                          {"prompt_tokens", prompt.size()},
                          {"prompt_tps", stats.prompt_tps()},
                          {"generation_tps", stats.generation_tps()},
                          {"peak_memory_bytes", peak}};
    if (o.logprobs) {
      out["logprobs"] = logprobs;
    }
    if (!o.prompt_cache_file.empty()) {
      out["cached_tokens"] = cached;
    }
    if (draft) {
      out["draft_tokens"] = stats.draft_tokens;
      out["accepted_tokens"] = stats.accepted_tokens;
      out["acceptance_rate"] = stats.acceptance_rate();
    }
    std::cout << out.dump() << std::endl;
    return;
  }
  std::string cached_note = cached > 0 ? " (" + std::to_string(cached) + " from the cache)" : "";
  std::printf("\n==========\nPrompt: %zu tokens%s, %.2f tokens/s | Generation: %d tokens, %.2f "
              "tokens/s | Peak memory: %.3f GB",
              prompt.size(), cached_note.c_str(), stats.prompt_tps(), stats.generated_tokens,
              stats.generation_tps(), peak / 1e9);
  if (draft) {
    std::printf(" | Draft: %d of %d tokens accepted (%.1f%%)", stats.accepted_tokens,
                stats.draft_tokens, 100 * stats.acceptance_rate());
  }
  std::printf("\n");
}

// --prompts-file: one JSON object per line, {"prompt": TEXT} or {"prompt_ids": [ids]}.
std::vector<std::vector<int32_t>> read_prompts(const GenerateOptions& o, const LoadedLM& lm) {
  std::ifstream in(o.prompts_file);
  if (!in) {
    throw CommandError("--prompts-file: cannot read " + o.prompts_file);
  }
  std::vector<std::vector<int32_t>> prompts;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    auto where = o.prompts_file + " line " + std::to_string(number);
    nlohmann::json entry;
    try {
      entry = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      throw CommandError("--prompts-file: " + where + " is not JSON");
    }
    std::vector<int32_t> ids;
    if (entry.is_object() && entry.contains("prompt_ids") && entry["prompt_ids"].is_array()) {
      try {
        ids = entry["prompt_ids"].get<std::vector<int32_t>>();
      } catch (const std::exception&) {
        throw CommandError("--prompts-file: " + where + ": prompt_ids must be integers");
      }
    } else if (entry.is_object() && entry.contains("prompt") && entry["prompt"].is_string()) {
      ids = text_prompt_tokens(entry["prompt"].get<std::string>(), o.prompt.system,
                               o.prompt.no_chat_template, lm);
    } else {
      throw CommandError("--prompts-file: " + where +
                         " needs {\"prompt\": TEXT} or {\"prompt_ids\": [ids]}");
    }
    if (ids.empty()) {
      throw CommandError("--prompts-file: " + where + " is an empty prompt");
    }
    check_context(lm, ids.size());
    prompts.push_back(std::move(ids));
  }
  if (prompts.empty()) {
    throw CommandError("--prompts-file: " + o.prompts_file + " has no prompts");
  }
  return prompts;
}

// Prints one JSON line per prompt, in the file's order: {"index", "tokens", "text",
// "prompt_tokens"} (and "logprobs" with --logprobs); then, without --json, a summary line on
// stderr.
void run_batch(const GenerateOptions& o, LoadedLM& lm) {
  auto prompts = read_prompts(o, lm);
  auto params = generation_params(o, lm);
  std::vector<TextStream> streams;
  for (size_t i = 0; i < prompts.size(); ++i) {
    streams.emplace_back(lm, o.stop);
  }
  mlx::core::reset_peak_memory();
  lm::BatchResult result;
  try {
    result = lm::batch_generate(*lm.model.model, prompts, params,
                                [&](int row, const lm::GeneratedToken& t) {
                                  bool stopped = false;
                                  streams[row].push(t.id, stopped);
                                  return !stopped;
                                });
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what());
  }
  for (size_t i = 0; i < prompts.size(); ++i) {
    streams[i].finish();
    std::vector<int32_t> ids;
    std::vector<float> logprobs;
    for (auto& t : result.outputs[i]) {
      ids.push_back(t.id);
      logprobs.push_back(t.logprob);
    }
    nlohmann::json line = {{"index", i},
                           {"tokens", ids},
                           {"text", streams[i].text()},
                           {"prompt_tokens", prompts[i].size()}};
    if (o.logprobs) {
      line["logprobs"] = logprobs;
    }
    std::cout << line.dump() << "\n";
  }
  std::cout << std::flush;
  if (!o.json) {
    const auto& s = result.stats;
    std::fprintf(stderr,
                 "==========\n%zu prompts | Prompt: %d tokens, %.2f tokens/s | Generation: %d "
                 "tokens, %.2f tokens/s | Peak memory: %.3f GB\n",
                 prompts.size(), s.prompt_tokens, s.prompt_tps(), s.generated_tokens,
                 s.generation_seconds > 0 ? s.generated_tokens / s.generation_seconds : 0.0,
                 mlx::core::get_peak_memory() / 1e9);
  }
}

void run(const GenerateOptions& o) {
  bool batch = !o.prompts_file.empty();
  if (batch && (!o.draft_model.empty() || !o.prompt_cache_file.empty())) {
    throw CommandError(
        "--prompts-file cannot be combined with --draft-model or --prompt-cache-file");
  }
  if (!o.draft_model.empty() && !o.prompt_cache_file.empty()) {
    throw CommandError("--draft-model cannot be combined with --prompt-cache-file");
  }
  auto lm = load_lm(o.model, !batch && !o.prompt.have_ids());
  if (batch) {
    run_batch(o, lm);
  } else {
    run_single(o, lm);
  }
}

const CommandRegistration registration{{
    "generate",
    "Generate text with a language model",
    [](CLI::App& sub) {
      auto o = std::make_shared<GenerateOptions>();
      add_model_options(sub, o->model);
      add_sampling_options(sub, o->sampling);
      add_kv_cache_options(sub, o->kv);
      add_prompt_options(sub, o->prompt);
      sub.add_option("--max-tokens", o->max_tokens, "Tokens to generate at most")
          ->check(CLI::NonNegativeNumber);
      sub.add_flag("--json", o->json, "Print only one JSON object at the end");
      sub.add_flag("--logprobs", o->logprobs,
                   "Report each generated token's log-probability (--json)");
      sub.add_option("--stop", o->stop, "Stop when this text is generated (repeatable)");
      sub.add_option("--prefill-step", o->prefill_step, "Prompt tokens per forward pass")
          ->check(CLI::PositiveNumber);
      sub.add_option("--prompt-cache-file", o->prompt_cache_file,
                     "Start from this prompt cache (made by cache-prompt); the prompt's shared "
                     "prefix is not run again");
      sub.add_option("--draft-model", o->draft_model,
                     "Speculative decoding with this smaller model of the same vocabulary");
      sub.add_option("--num-draft-tokens", o->num_draft_tokens,
                     "Tokens the draft model proposes per step")
          ->check(CLI::PositiveNumber);
      auto* prompts = sub.add_option("--prompts-file", o->prompts_file,
                                     "Generate for every prompt of this JSONL file at once "
                                     "({\"prompt\": TEXT} or {\"prompt_ids\": [ids]} per line); "
                                     "prints one JSON line per prompt");
      prompts->excludes(o->prompt.ids_option)->excludes(o->prompt.text_option);
      sub.callback([o] { run(*o); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
