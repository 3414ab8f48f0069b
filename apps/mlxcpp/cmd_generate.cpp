// mlxcpp generate: stream a model's continuation of a prompt, then a one-line summary (or, with
// --json, one JSON object at the end).
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "mlx/mlx.h"
#include "mlxcpp/lm/generate.h"
#include "mlxcpp/tokenizer/streaming_detokenizer.h"
#include "model_options.h"

namespace mlxcpp::cli {

namespace {

struct GenerateOptions {
  ModelOptions model;
  SamplingOptions sampling;
  std::string prompt = "Once upon a time";
  std::string prompt_ids;
  std::string system;
  int max_tokens = 256;
  bool no_chat_template = false;
  bool json = false;
  bool logprobs = false;
  std::vector<std::string> stop;
  int prefill_step = 512;
};

// Emits text up to (not including) the earliest stop string; reports whether one matched.
class StopStrings {
 public:
  explicit StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Adds text; returns the part that is safe to show, and sets `stopped` on a match.
  std::string push(const std::string& piece, bool& stopped) {
    pending_ += piece;
    size_t cut = std::string::npos;
    for (const auto& s : stops_) {
      if (!s.empty()) {
        cut = std::min(cut, pending_.find(s));
      }
    }
    if (cut != std::string::npos) {
      stopped = true;
      auto out = pending_.substr(0, cut);
      pending_.clear();
      return out;
    }
    // Hold back a tail that could still grow into a stop string.
    size_t keep = 0;
    for (const auto& s : stops_) {
      for (size_t n = std::min(s.size() - (s.empty() ? 0 : 1), pending_.size()); n > keep; --n) {
        if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
          keep = n;
          break;
        }
      }
    }
    auto out = pending_.substr(0, pending_.size() - keep);
    pending_.erase(0, pending_.size() - keep);
    return out;
  }
  std::string flush() { return std::exchange(pending_, {}); }

 private:
  std::vector<std::string> stops_;
  std::string pending_;
};

std::vector<int32_t> prompt_tokens(const GenerateOptions& o, bool have_prompt_ids, const LoadedLM& lm) {
  if (have_prompt_ids) {
    return parse_ids(o.prompt_ids, "--prompt-ids");
  }
  if (!lm.tokenizer) {
    throw CommandError("the model has no tokenizer.json: give --prompt-ids");
  }
  const auto& tok = *lm.tokenizer;
  if (o.no_chat_template || !tok.has_chat_template()) {
    return tok.tokenizer().encode((o.system.empty() ? "" : o.system + "\n") + o.prompt, true);
  }
  tokenizer::ChatTemplateInputs inputs;
  if (!o.system.empty()) {
    inputs.messages.push_back({{"role", "system"}, {"content", o.system}});
  }
  inputs.messages.push_back({{"role", "user"}, {"content", o.prompt}});
  inputs.add_generation_prompt = true;
  try {
    auto text = tok.chat_template().render(inputs);
    // The template writes the special tokens itself (BOS included).
    return tok.tokenizer().encode(text, false);
  } catch (const std::exception& e) {
    throw CommandError(std::string("chat template: ") + e.what());
  }
}

void run(const GenerateOptions& o, bool have_prompt_ids) {
  auto lm = load_lm(o.model, !have_prompt_ids);
  auto prompt = prompt_tokens(o, have_prompt_ids, lm);
  if (prompt.empty()) {
    throw CommandError("the prompt is empty");
  }
  int context = lm.model.config.value("max_position_embeddings", 0);
  if (context > 0 && static_cast<int>(prompt.size()) > context) {
    throw CommandError("the prompt has " + std::to_string(prompt.size()) +
                       " tokens, more than the model's context of " + std::to_string(context));
  }
  lm::GenerationParams params;
  params.max_tokens = o.max_tokens;
  params.sampling = sampling_params(o.sampling);
  params.eos_token_ids = eos_ids(lm);
  params.prefill_step = o.prefill_step;
  params.logprobs = o.logprobs;

  std::optional<tokenizer::StreamingDetokenizer> detok;
  if (lm.tokenizer) {
    detok.emplace(lm.tokenizer->tokenizer());
  }
  StopStrings stops(o.stop);
  std::vector<int32_t> tokens;
  std::vector<float> logprobs;
  std::string text;
  mlx::core::reset_peak_memory();
  auto cache = lm.model.model->make_cache(o.model.max_kv_size);
  lm::GenerationStats stats;
  try {
    stats = lm::generate(*lm.model.model, prompt, cache, params, [&](const lm::GeneratedToken& t) {
      tokens.push_back(t.id);
      logprobs.push_back(t.logprob);
      if (!detok) {
        return true;
      }
      bool stopped = false;
      auto piece = stops.push(detok->push(t.id), stopped);
      text += piece;
      if (!o.json) {
        std::cout << piece << std::flush;
      }
      return !stopped;
    });
  } catch (const std::invalid_argument& e) {
    throw CommandError(e.what());
  }
  if (detok) {
    bool stopped = false;
    auto tail = stops.push(detok->finish(), stopped) + (stopped ? "" : stops.flush());
    text += tail;
    if (!o.json) {
      std::cout << tail;
    }
  }
  auto peak = mlx::core::get_peak_memory();
  if (o.json) {
    nlohmann::json out = {{"tokens", tokens},
                          {"text", text},
                          {"prompt_tokens", stats.prompt_tokens},
                          {"prompt_tps", stats.prompt_tps()},
                          {"generation_tps", stats.generation_tps()},
                          {"peak_memory_bytes", peak}};
    if (o.logprobs) {
      out["logprobs"] = logprobs;
    }
    std::cout << out.dump() << std::endl;
    return;
  }
  std::printf("\n==========\nPrompt: %d tokens, %.2f tokens/s | Generation: %d tokens, %.2f tokens/s | "
              "Peak memory: %.3f GB\n",
              stats.prompt_tokens, stats.prompt_tps(), stats.generated_tokens, stats.generation_tps(),
              peak / 1e9);
}

const CommandRegistration registration{{
    "generate",
    "Generate text with a language model",
    [](CLI::App& sub) {
      auto o = std::make_shared<GenerateOptions>();
      add_model_options(sub, o->model);
      add_sampling_options(sub, o->sampling);
      auto* prompt = sub.add_option("--prompt", o->prompt, "The prompt text");
      auto* ids = sub.add_option("--prompt-ids", o->prompt_ids,
                                 "Prompt token ids (comma-separated; no tokenizer or chat template)");
      prompt->excludes(ids);
      sub.add_option("--system", o->system, "A system message for the chat template");
      sub.add_option("--max-tokens", o->max_tokens, "Tokens to generate at most")
          ->check(CLI::NonNegativeNumber);
      sub.add_flag("--no-chat-template", o->no_chat_template, "Use the prompt text as it is");
      sub.add_flag("--json", o->json, "Print only one JSON object at the end");
      sub.add_flag("--logprobs", o->logprobs, "Report each generated token's log-probability (--json)");
      sub.add_option("--stop", o->stop, "Stop when this text is generated (repeatable)");
      sub.add_option("--prefill-step", o->prefill_step, "Prompt tokens per forward pass")
          ->check(CLI::PositiveNumber);
      sub.callback([o, ids] { run(*o, ids->count() > 0); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
