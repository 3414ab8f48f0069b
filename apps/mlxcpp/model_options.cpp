#include "model_options.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::cli {

namespace mx = mlx::core;
namespace fs = std::filesystem;

void add_model_options(CLI::App& app, ModelOptions& o, bool model_required) {
  auto* model = app.add_option("--model", o.model,
                               "Model folder (Hugging Face or mlx-community layout) or .gguf "
                               "file; default: the embedded default model");
  if (model_required) {
    model->required();
  }
  app.add_option("--dtype", o.dtype,
                 "Compute dtype: float32, float16 or bfloat16 (default: the "
                 "model's)")
      ->check(CLI::IsMember({"float32", "float16", "bfloat16", "f32", "f16", "bf16"}));
  app.add_option("--quantize", o.quantize, "Quantize dense layers on load to 4 or 8 bits")
      ->check(CLI::IsMember({4, 8}));
  app.add_option("--group-size", o.group_size, "Quantization group size")
      ->check(CLI::IsMember({32, 64, 128}));
  app.add_option("--device", o.device, "Where to run: cpu or gpu")
      ->check(CLI::IsMember({"cpu", "gpu"}));
  app.add_option("--max-kv-size", o.max_kv_size, "Keep at most this many tokens in the KV cache")
      ->check(CLI::NonNegativeNumber);
}

void add_kv_cache_options(CLI::App& app, KVCacheOptions& o) {
  app.add_option("--kv-bits", o.kv_bits, "Quantize the KV cache to 4 or 8 bits (0: off)")
      ->check(CLI::IsMember({0, 4, 8}));
  app.add_option("--kv-group-size", o.kv_group_size, "Group size of the KV cache quantization")
      ->check(CLI::IsMember({32, 64, 128}));
  app.add_option("--quantized-kv-start", o.quantized_kv_start,
                 "Quantize the KV cache once it holds more than this many tokens (with --kv-bits)")
      ->check(CLI::NonNegativeNumber);
}

void apply_kv_cache_options(const KVCacheOptions& o, lm::GenerationParams& params) {
  params.kv_bits = o.kv_bits;
  params.kv_group_size = o.kv_group_size;
  params.quantized_kv_start = o.quantized_kv_start;
}

void add_sampling_options(CLI::App& app, SamplingOptions& o) {
  auto& p = o.params;
  app.add_option("--temp", p.temperature, "Sampling temperature; 0 is greedy")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--top-k", p.top_k, "Sample from the k most likely tokens (0: off)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--top-p", p.top_p, "Nucleus sampling probability mass (1: off)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--min-p", p.min_p, "Drop tokens below min-p times the top probability (0: off)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--seed", p.seed, "Random seed for sampling");
  app.add_option("--repetition-penalty", p.repetition_penalty,
                 "Penalty for tokens in the recent window (1: off)")
      ->check(CLI::PositiveNumber);
  app.add_option("--presence-penalty", p.presence_penalty,
                 "Subtracted from tokens seen in the window");
  app.add_option("--frequency-penalty", p.frequency_penalty,
                 "Subtracted per occurrence in the window");
  app.add_option("--penalty-window", p.penalty_window, "Recent tokens the penalties consider")
      ->check(CLI::PositiveNumber);
  app.add_option("--logit-bias", o.logit_bias,
                 "Add a bias to a token's logit: ID=BIAS (repeatable)");
}

lm::SamplingParams sampling_params(const SamplingOptions& o) {
  auto p = o.params;
  for (const auto& entry : o.logit_bias) {
    auto eq = entry.find('=');
    try {
      if (eq == std::string::npos) {
        throw std::invalid_argument("missing '='");
      }
      size_t used = 0;
      int id = std::stoi(entry.substr(0, eq), &used);
      if (used != eq) {
        throw std::invalid_argument("bad id");
      }
      p.logit_bias[id] = std::stof(entry.substr(eq + 1));
    } catch (const std::exception&) {
      throw CommandError("--logit-bias expects ID=BIAS, got \"" + entry + "\"");
    }
  }
  return p;
}

void select_device(const std::string& device) {
  if (device == "gpu") {
    if (!mx::gpu::is_available()) {
      throw CommandError(
          "--device gpu: no usable GPU (mlxcpp needs its CUDA backend and an NVIDIA GPU)");
    }
    mx::set_default_device(mx::Device::gpu);
  } else {
    mx::set_default_device(mx::Device::cpu);
  }
}

std::string resolve_model_path(const std::string& model) {
  if (!model.empty()) {
    return model;
  }
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("MLXCPP_DEFAULT_MODEL")) {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share" / "mlxcpp" / "models" /
                         "default");
  }
  candidates.push_back(fs::path(MLXCPP_SOURCE_DIR) / "models" / "default");
  for (auto& c : candidates) {
    if (fs::exists(c / "config.json")) {
      return c.string();
    }
  }
  throw CommandError("no --model given and the embedded default model was not found (looked in " +
                     candidates.back().string() + "; set MLXCPP_DEFAULT_MODEL)");
}

namespace {

std::optional<mx::Dtype> parse_dtype(const std::string& name) {
  if (name.empty()) {
    return std::nullopt;
  }
  if (name == "float32" || name == "f32") {
    return mx::float32;
  }
  if (name == "float16" || name == "f16") {
    return mx::float16;
  }
  return mx::bfloat16;
}

// A one-line progress bar on stderr, only on a terminal and only for large models.
void show_progress(size_t done, size_t total) {
  static bool active = false;
  if (total < (size_t{1} << 30) || !isatty(fileno(stderr))) {
    return;
  }
  int width = 40;
  int filled = static_cast<int>(width * static_cast<double>(done) / total);
  std::fprintf(stderr, "\rLoading [%s%s] %5.1f%%", std::string(filled, '#').c_str(),
               std::string(width - filled, ' ').c_str(), 100.0 * done / total);
  active = done < total;
  if (!active) {
    std::fprintf(stderr, "\n");
  }
}

} // namespace

LoadedLM load_lm(const ModelOptions& o, bool need_tokenizer) {
  select_device(o.device);
  auto path = resolve_model_path(o.model);
  bool gguf_file = fs::is_regular_file(path) && fs::path(path).extension() == ".gguf";
  if (!fs::is_directory(path) && !gguf_file) {
    throw CommandError("model not found (expected a model folder or a .gguf file): " + path);
  }
  LoadedLM out;
  try {
    lm::LoadOptions options;
    options.dtype = parse_dtype(o.dtype);
    options.quantize_bits = o.quantize;
    options.quantize_group_size = o.group_size;
    options.progress = show_progress;
    out.model = lm::load_model(path, options);
  } catch (const CommandError&) {
    throw;
  } catch (const std::exception& e) {
    throw CommandError(e.what());
  }
  if (!out.model.gguf_file.empty()) {
    // tokenizer.json beside the file, else the GGUF metadata; without --prompt-ids a
    // tokenizer that cannot be built is an error, otherwise it is not needed.
    try {
      out.tokenizer = lm::load_gguf_tokenizer(out.model.gguf_file);
    } catch (const std::exception& e) {
      if (need_tokenizer) {
        throw CommandError(e.what());
      }
    }
  } else if (fs::exists(fs::path(path) / "tokenizer.json")) {
    try {
      out.tokenizer = tokenizer::PretrainedTokenizer::from_dir(path);
    } catch (const std::exception& e) {
      throw CommandError(e.what());
    }
  } else if (need_tokenizer) {
    throw CommandError("the model folder " + path + " has no tokenizer.json (use --prompt-ids)");
  }
  return out;
}

void add_prompt_options(CLI::App& app, PromptOptions& o) {
  o.text_option = app.add_option("--prompt", o.prompt, "The prompt text");
  o.ids_option =
      app.add_option("--prompt-ids", o.prompt_ids,
                     "Prompt token ids (comma-separated; no tokenizer or chat template)");
  o.text_option->excludes(o.ids_option);
  app.add_option("--system", o.system, "A system message for the chat template");
  app.add_flag("--no-chat-template", o.no_chat_template, "Use the prompt text as it is");
}

std::vector<int32_t> text_prompt_tokens(const std::string& text, const std::string& system,
                                        bool no_chat_template, const LoadedLM& lm) {
  if (!lm.tokenizer) {
    throw CommandError("the model has no tokenizer.json: give --prompt-ids");
  }
  const auto& tok = *lm.tokenizer;
  if (no_chat_template || !tok.has_chat_template()) {
    return tok.tokenizer().encode((system.empty() ? "" : system + "\n") + text, true);
  }
  tokenizer::ChatTemplateInputs inputs;
  if (!system.empty()) {
    inputs.messages.push_back({{"role", "system"}, {"content", system}});
  }
  inputs.messages.push_back({{"role", "user"}, {"content", text}});
  inputs.add_generation_prompt = true;
  try {
    auto rendered = tok.chat_template().render(inputs);
    // The template writes the special tokens itself (BOS included).
    return tok.tokenizer().encode(rendered, false);
  } catch (const std::exception& e) {
    throw CommandError(std::string("chat template: ") + e.what());
  }
}

std::vector<int32_t> prompt_tokens(const PromptOptions& o, const LoadedLM& lm) {
  if (o.have_ids()) {
    return parse_ids(o.prompt_ids, "--prompt-ids");
  }
  return text_prompt_tokens(o.prompt, o.system, o.no_chat_template, lm);
}

std::vector<int32_t> parse_ids(const std::string& text, const char* flag) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos <= text.size()) {
    auto comma = text.find(',', pos);
    auto item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    try {
      size_t used = 0;
      long value = std::stol(item, &used);
      if (used != item.size() || value < 0 || value > INT32_MAX) {
        throw std::invalid_argument("bad id");
      }
      ids.push_back(static_cast<int32_t>(value));
    } catch (const std::exception&) {
      throw CommandError(std::string(flag) + " expects comma-separated token ids, got \"" + text +
                         "\"");
    }
    if (comma == std::string::npos) {
      break;
    }
    pos = comma + 1;
  }
  return ids;
}

std::vector<int32_t> eos_ids(const LoadedLM& lm) {
  auto ids = lm.model.eos_token_ids;
  if (lm.tokenizer) {
    auto it = lm.tokenizer->special_tokens().find("eos_token");
    if (it != lm.tokenizer->special_tokens().end()) {
      if (auto id = lm.tokenizer->tokenizer().token_to_id(it->second)) {
        ids.push_back(*id);
      }
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

} // namespace mlxcpp::cli
