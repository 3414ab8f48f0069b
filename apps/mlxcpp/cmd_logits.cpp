// mlxcpp logits: one forward pass over the prompt ids; writes the float32 tensor "logits"
// [tokens, vocab] to a safetensors file.
#include <filesystem>
#include <iostream>

#include "mlx/io.h"

#include "command.h"
#include "mlxcpp/lm/generate.h"
#include "model_options.h"

namespace mlxcpp::cli {

namespace {

struct LogitsOptions {
  ModelOptions model;
  std::string prompt_ids;
  std::string out;
};

void run(const LogitsOptions& o) {
  auto ids = parse_ids(o.prompt_ids, "--prompt-ids");
  auto lm = load_lm(o.model, false);
  int vocab = lm.model.model->vocab_size();
  for (auto id : ids) {
    if (id >= vocab) {
      throw CommandError("token id " + std::to_string(id) + " is outside the vocabulary of " +
                         std::to_string(vocab));
    }
  }
  auto logits = lm::prompt_logits(*lm.model.model, ids);
  // Write to a temporary name and rename, so a failure leaves no half-written file. (The name
  // keeps the .safetensors extension, which the writer would otherwise append.)
  auto tmp = o.out + ".partial.safetensors";
  try {
    mlx::core::save_safetensors(tmp, {{"logits", logits}});
    std::filesystem::rename(tmp, o.out);
  } catch (const std::exception& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw CommandError("cannot write " + o.out + ": " + e.what());
  }
  std::cout << "logits [" << logits.shape(0) << ", " << logits.shape(1) << "] -> " << o.out << "\n";
}

const CommandRegistration registration{{
    "logits",
    "Write the logits of one forward pass over prompt ids to a safetensors file",
    [](CLI::App& sub) {
      auto o = std::make_shared<LogitsOptions>();
      add_model_options(sub, o->model);
      sub.add_option("--prompt-ids", o->prompt_ids, "Prompt token ids, comma-separated")
          ->required();
      sub.add_option("--out", o->out, "Output .safetensors file")->required();
      sub.callback([o] { run(*o); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
