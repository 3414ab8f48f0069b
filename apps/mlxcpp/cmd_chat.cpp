// mlxcpp chat: an interactive chat with a model's chat template; the conversation is kept (and
// its KV cache reused) until /reset; /exit or end of input quits.
#include <iostream>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/lm/generate.h"
#include "mlxcpp/tokenizer/streaming_detokenizer.h"
#include "model_options.h"

namespace mlxcpp::cli {

namespace {

struct ChatOptions {
  ModelOptions model;
  SamplingOptions sampling;
  std::string system;
  int max_tokens = 512;
};

void run(const ChatOptions& o) {
  auto lm = load_lm(o.model, true);
  if (!lm.tokenizer->has_chat_template()) {
    throw CommandError("the model has no chat template");
  }
  auto chat_template = lm.tokenizer->chat_template();
  const auto& tok = lm.tokenizer->tokenizer();
  lm::GenerationParams params;
  params.max_tokens = o.max_tokens;
  params.sampling = sampling_params(o.sampling);
  params.eos_token_ids = eos_ids(lm);

  tokenizer::ChatTemplateInputs conversation;
  auto reset = [&] {
    conversation.messages = nlohmann::ordered_json::array();
    if (!o.system.empty()) {
      conversation.messages.push_back({{"role", "system"}, {"content", o.system}});
    }
  };
  reset();
  auto cache = lm.model.model->make_cache(o.model.max_kv_size);
  std::vector<int32_t> in_cache; // tokens the cache holds
  std::cout << "Chat with the model. /reset starts over, /exit quits.\n";
  std::string line;
  while (true) {
    std::cout << "\n>> " << std::flush;
    if (!std::getline(std::cin, line) || line == "/exit") {
      break;
    }
    if (line == "/reset") {
      reset();
      cache = lm.model.model->make_cache(o.model.max_kv_size);
      in_cache.clear();
      std::cout << "(conversation reset)\n";
      continue;
    }
    if (line.empty()) {
      continue;
    }
    conversation.messages.push_back({{"role", "user"}, {"content", line}});
    conversation.add_generation_prompt = true;
    std::vector<int32_t> prompt;
    try {
      prompt = tok.encode(chat_template.render(conversation), false);
    } catch (const std::exception& e) {
      conversation.messages.erase(conversation.messages.end() - 1);
      std::cout << "error: " << e.what() << "\n";
      continue;
    }
    // Reuse the cache for the common prefix; start over if the template rewrote history.
    size_t common = 0;
    while (common < in_cache.size() && common < prompt.size() &&
           in_cache[common] == prompt[common]) {
      ++common;
    }
    if (common < in_cache.size() || common == prompt.size()) {
      cache = lm.model.model->make_cache(o.model.max_kv_size);
      in_cache.clear();
      common = 0;
    }
    std::vector<int32_t> fresh(prompt.begin() + common, prompt.end());
    tokenizer::StreamingDetokenizer detok(tok);
    std::string reply;
    lm::generate(*lm.model.model, fresh, cache, params, [&](const lm::GeneratedToken& t) {
      auto piece = detok.push(t.id);
      reply += piece;
      std::cout << piece << std::flush;
      return true;
    });
    reply += detok.finish();
    std::cout << "\n";
    // Keep only the prompt in the cache: the next turn re-renders the reply through the
    // template, which may tokenize it differently from how it was generated.
    for (auto& layer : cache) {
      layer->trim(layer->offset() - static_cast<int>(prompt.size()));
    }
    in_cache = prompt;
    conversation.messages.push_back({{"role", "assistant"}, {"content", reply}});
  }
}

const CommandRegistration registration{{
    "chat",
    "Chat with a language model interactively",
    [](CLI::App& sub) {
      auto o = std::make_shared<ChatOptions>();
      add_model_options(sub, o->model);
      add_sampling_options(sub, o->sampling);
      sub.add_option("--system", o->system, "A system message");
      sub.add_option("--max-tokens", o->max_tokens, "Tokens per reply at most")
          ->check(CLI::PositiveNumber);
      sub.callback([o] { run(*o); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
