// mlxcpp bench: prompt processing and generation speed of a model — a folder, or a random-weight
// model of a real architecture and size built in memory — with peak memory and the ratio of the
// generation rate to the memory-bandwidth bound (bytes read per token / bandwidth measured here).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "mlx/mlx.h"

#include "command.h"
#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/loader.h"
#include "model_options.h"

namespace mlxcpp::cli {

namespace {

namespace mx = mlx::core;

struct BenchOptions {
  ModelOptions model;
  std::string arch;
  std::string preset;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  bool json = false;
};

// Published configurations: Llama 3.2 1B/3B and 3.1 8B; Qwen3 1.7B/4B/8B; Qwen2.5 1.5B/3B/7B.
nlohmann::json preset_config(const std::string& arch, const std::string& preset) {
  nlohmann::json c;
  c["vocab_size"] = 128256;
  c["rms_norm_eps"] = 1e-5;
  c["max_position_embeddings"] = 131072;
  c["hidden_act"] = "silu";
  if (arch == "llama" || arch == "mistral") {
    c["model_type"] = arch;
    c["rope_theta"] = 500000.0;
    c["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", 32.0},
                         {"low_freq_factor", 1.0},
                         {"high_freq_factor", 4.0},
                         {"original_max_position_embeddings", 8192}};
    if (preset == "1b") {
      c.update({{"hidden_size", 2048},
                {"num_hidden_layers", 16},
                {"num_attention_heads", 32},
                {"num_key_value_heads", 8},
                {"intermediate_size", 8192},
                {"head_dim", 64},
                {"tie_word_embeddings", true}});
    } else if (preset == "3b") {
      c.update({{"hidden_size", 3072},
                {"num_hidden_layers", 28},
                {"num_attention_heads", 24},
                {"num_key_value_heads", 8},
                {"intermediate_size", 8192},
                {"head_dim", 128},
                {"tie_word_embeddings", true}});
    } else {
      c.update({{"hidden_size", 4096},
                {"num_hidden_layers", 32},
                {"num_attention_heads", 32},
                {"num_key_value_heads", 8},
                {"intermediate_size", 14336},
                {"head_dim", 128},
                {"tie_word_embeddings", false}});
    }
    return c;
  }
  if (arch == "qwen3" || arch == "qwen2") {
    c["model_type"] = arch;
    c["vocab_size"] = 151936;
    c["rms_norm_eps"] = 1e-6;
    c["rope_theta"] = 1000000.0;
    c["max_position_embeddings"] = 40960;
    if (preset == "1b") {
      c.update({{"hidden_size", 2048},
                {"num_hidden_layers", 28},
                {"num_attention_heads", 16},
                {"num_key_value_heads", 8},
                {"intermediate_size", 6144},
                {"head_dim", 128},
                {"tie_word_embeddings", true}});
    } else if (preset == "3b") {
      c.update({{"hidden_size", 2560},
                {"num_hidden_layers", 36},
                {"num_attention_heads", 32},
                {"num_key_value_heads", 8},
                {"intermediate_size", 9728},
                {"head_dim", 128},
                {"tie_word_embeddings", true}});
    } else {
      c.update({{"hidden_size", 4096},
                {"num_hidden_layers", 36},
                {"num_attention_heads", 32},
                {"num_key_value_heads", 8},
                {"intermediate_size", 12288},
                {"head_dim", 128},
                {"tie_word_embeddings", false}});
    }
    if (arch == "qwen2") {
      c["head_dim"] = c["hidden_size"].get<int>() / c["num_attention_heads"].get<int>();
    }
    return c;
  }
  throw CommandError("bench --arch supports llama, mistral, qwen2 and qwen3, got \"" + arch + "\"");
}

// Random weights: uniform in +-0.05 (norm gains 1), in the model dtype.
void randomize(lm::Model& model, mx::Dtype dtype) {
  auto key = mx::random::key(0);
  for (auto& [name, p] : model.named_parameters()) {
    if (name.find("norm") != std::string::npos) {
      *p = mx::ones(p->shape(), dtype);
    } else {
      auto [next, sub] = mx::random::split(key);
      key = next;
      *p = mx::astype(mx::random::uniform(-0.05f, 0.05f, p->shape(), mx::float32, sub), dtype);
    }
    mx::eval(*p);
  }
}

// Memory bandwidth measured here: the best of a few passes summing a large array.
double measure_bandwidth_gbs() {
  auto a = mx::ones({1 << 28}, mx::float32); // 1 GiB
  mx::eval(a);
  double best = 0;
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto s = mx::sum(a);
    mx::eval(s);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, a.nbytes() / seconds / 1e9);
  }
  return best;
}

void run(const BenchOptions& o, bool have_model) {
  if (have_model == !o.arch.empty()) {
    throw CommandError("give exactly one of --model and --arch");
  }
  if (o.prompt_tokens < 1 || o.gen_tokens < 2) {
    throw CommandError("--prompt-tokens must be at least 1 and --gen-tokens at least 2");
  }
  select_device(o.model.device);
  std::unique_ptr<lm::Model> model;
  std::string name;
  if (have_model) {
    auto lm = load_lm(o.model, false);
    model = std::move(lm.model.model);
    name = o.model.model;
  } else {
    if (o.preset != "1b" && o.preset != "3b" && o.preset != "8b") {
      throw CommandError("--preset must be 1b, 3b or 8b");
    }
    auto config = preset_config(o.arch, o.preset);
    model = lm::create_model(config);
    mx::Dtype dtype =
        o.model.dtype.empty() || o.model.dtype == "bfloat16" || o.model.dtype == "bf16"
            ? mx::bfloat16
            : (o.model.dtype == "float16" || o.model.dtype == "f16" ? mx::float16 : mx::float32);
    randomize(*model, dtype);
    if (o.model.quantize > 0) {
      lm::quantize_model(*model, o.model.group_size, o.model.quantize);
      std::vector<mx::array> params;
      for (auto& [n, p] : model->named_parameters()) {
        params.push_back(*p);
      }
      mx::eval(params);
    }
    name = o.arch + "-" + o.preset;
  }
  // Bytes one generated token reads: every weight except the embedding table (one row of it),
  // which a tied model reads in full as its output layer.
  size_t weight_bytes = 0;
  bool separate_head = false;
  for (auto& [n, p] : model->named_parameters()) {
    separate_head |= n.rfind("lm_head.", 0) == 0;
  }
  for (auto& [n, p] : model->named_parameters()) {
    bool table = n.find("embed_tokens.") != std::string::npos;
    weight_bytes += table && separate_head ? p->nbytes() / p->shape(0) : p->nbytes();
  }
  double bandwidth = measure_bandwidth_gbs();

  std::vector<int32_t> prompt(o.prompt_tokens);
  for (int i = 0; i < o.prompt_tokens; ++i) {
    prompt[i] = (i * 7919 + 13) % model->vocab_size();
  }
  lm::GenerationParams params;
  params.max_tokens = o.gen_tokens;
  mx::reset_peak_memory();
  auto cache = model->make_cache();
  auto stats =
      lm::generate(*model, prompt, cache, params, [](const lm::GeneratedToken&) { return true; });
  size_t peak = mx::get_peak_memory();
  // The KV cache read per token grows over the run; count its average size.
  double kv_bytes = 0;
  for (auto& layer : cache) {
    for (auto& a : layer->state()) {
      kv_bytes += static_cast<double>(a.nbytes());
    }
  }
  double avg_kv =
      kv_bytes * (o.prompt_tokens + o.gen_tokens / 2.0) / (o.prompt_tokens + o.gen_tokens);
  double bytes_per_token = static_cast<double>(weight_bytes) + avg_kv;
  double bound_tps = bandwidth * 1e9 / bytes_per_token;
  double ratio = stats.generation_tps() / bound_tps;
  if (o.json) {
    nlohmann::json out = {{"model", name},
                          {"prompt_tokens", stats.prompt_tokens},
                          {"prompt_tps", stats.prompt_tps()},
                          {"generation_tokens", stats.generated_tokens},
                          {"generation_tps", stats.generation_tps()},
                          {"peak_memory_bytes", peak},
                          {"weight_bytes", weight_bytes},
                          {"bytes_per_token", bytes_per_token},
                          {"bandwidth_gbs", bandwidth},
                          {"bandwidth_bound_tps", bound_tps},
                          {"bandwidth_ratio", ratio}};
    std::cout << out.dump() << std::endl;
    return;
  }
  std::printf(
      "%s: prompt %d tokens at %.2f tok/s | generation %d tokens at %.2f tok/s | peak memory "
      "%.3f GB\n",
      name.c_str(), stats.prompt_tokens, stats.prompt_tps(), stats.generated_tokens,
      stats.generation_tps(), peak / 1e9);
  std::printf(
      "bandwidth bound: %.1f MB/token at %.1f GB/s measured = %.2f tok/s; generation reaches "
      "%.0f%% of it\n",
      bytes_per_token / 1e6, bandwidth, bound_tps, 100 * ratio);
}

const CommandRegistration registration{{
    "bench",
    "Measure prompt and generation speed against the memory-bandwidth bound",
    [](CLI::App& sub) {
      auto o = std::make_shared<BenchOptions>();
      add_model_options(sub, o->model);
      sub.add_option("--arch", o->arch,
                     "Build a random-weight model of this architecture "
                     "(llama, mistral, qwen2, qwen3)");
      sub.add_option("--preset", o->preset, "Size for --arch: 1b, 3b or 8b")->default_val("1b");
      sub.add_option("--prompt-tokens", o->prompt_tokens, "Prompt length")->default_val(512);
      sub.add_option("--gen-tokens", o->gen_tokens, "Tokens to generate")->default_val(128);
      sub.add_flag("--json", o->json, "Print one JSON object");
      sub.callback([o, &sub] { run(*o, sub.get_option("--model")->count() > 0); });
    },
}};

} // namespace

} // namespace mlxcpp::cli
