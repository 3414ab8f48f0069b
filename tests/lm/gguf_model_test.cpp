// GGUF models against Hugging Face: each test converts a parity fixture (tests/fixtures/lm) to
// GGUF the way llama.cpp's converter does (its tensor names, its Q/K row permutation for
// llama, Gemma's norm gains plus one, llama 3's rope_freqs tensor, its metadata keys), saves
// it with save_gguf, loads it through load_model and compares with the fixture's HF logits
// and greedy continuation.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numbers>
#include <tuple>

#include "mlx/io.h"
#include "mlx/mlx.h"

#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/gguf.h"
#include "mlxcpp/lm/loader.h"
#include "mlxcpp/nn/layers.h"

namespace fs = std::filesystem;
namespace mx = mlx::core;
using namespace mlxcpp::lm;
using nlohmann::json;

namespace {

fs::path fixture(const std::string& name) {
  return fs::path(MLXCPP_SOURCE_DIR) / "tests" / "fixtures" / "lm" / name;
}

fs::path temp_dir() {
  auto dir = fs::temp_directory_path() / ("mlxcpp_gguf_model_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

// The parts of a GGUF file: metadata, float tensors, quantized tensors.
struct GgufParts {
  GGUFMetadata metadata;
  std::unordered_map<std::string, mx::array> tensors;
  std::unordered_map<std::string, mx::GGUFQuantized> quantized;

  fs::path save(const std::string& name) const {
    auto path = temp_dir() / (name + ".gguf");
    mx::save_gguf_quantized(path.string(), tensors, quantized, metadata);
    return path;
  }
};

mx::array u32(int64_t v) {
  return mx::array(static_cast<uint32_t>(v), mx::uint32);
}
mx::array f32(double v) {
  return mx::array(static_cast<float>(v), mx::float32);
}

std::string gguf_architecture(const std::string& model_type) {
  if (model_type == "mistral") {
    return "llama";
  }
  return model_type == "gemma3_text" ? "gemma3" : model_type;
}

bool is_gemma(const std::string& arch) {
  return arch.rfind("gemma", 0) == 0;
}

// llama.cpp's tensor names for the Hugging Face ones.
std::string gguf_name(const std::string& hf, const std::string& arch) {
  static const std::map<std::string, std::string> globals = {
      {"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"}, {"lm_head", "output"}};
  auto dot = hf.rfind('.');
  auto module = hf.substr(0, dot);
  auto suffix = hf.substr(dot);
  if (globals.count(module)) {
    return globals.at(module) + suffix;
  }
  bool sandwich = arch == "gemma2" || arch == "gemma3";
  std::map<std::string, std::string> layer = {
      {"input_layernorm", "attn_norm"},
      {"self_attn.q_proj", "attn_q"},
      {"self_attn.k_proj", "attn_k"},
      {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"},
      {"self_attn.q_norm", "attn_q_norm"},
      {"self_attn.k_norm", "attn_k_norm"},
      {"mlp.gate_proj", "ffn_gate"},
      {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"},
      {"post_attention_layernorm", sandwich ? "post_attention_norm" : "ffn_norm"},
      {"pre_feedforward_layernorm", "ffn_norm"},
      {"post_feedforward_layernorm", "post_ffw_norm"},
  };
  // model.layers.N.<rest>
  auto rest_at = module.find('.', 13);
  auto index = module.substr(13, rest_at - 13);
  return "blk." + index + "." + layer.at(module.substr(rest_at + 1)) + suffix;
}

// The converter's permutation: within each head, row j*d/2 + i moves to row 2i + j.
mx::array permute_rows(const mx::array& w, int heads) {
  int rows = w.shape(0);
  int d = rows / heads;
  std::vector<int32_t> source(rows);
  for (int h = 0; h < heads; ++h) {
    for (int i = 0; i < d / 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        source[h * d + 2 * i + j] = h * d + j * (d / 2) + i;
      }
    }
  }
  return mx::take(w, mx::array(source.data(), {rows}, mx::int32), 0);
}

// HF's llama 3 frequency scaling as the divisors the converter stores in rope_freqs.
mx::array llama3_rope_factors(const json& rope, int head_dim) {
  double base = rope.at("rope_theta").get<double>();
  double factor = rope.at("factor").get<double>();
  double low = rope.at("low_freq_factor").get<double>();
  double high = rope.at("high_freq_factor").get<double>();
  double original = rope.at("original_max_position_embeddings").get<double>();
  std::vector<float> factors;
  for (int i = 0; i < head_dim; i += 2) {
    double wavelength = 2 * std::numbers::pi * std::pow(base, static_cast<double>(i) / head_dim);
    if (wavelength < original / high) {
      factors.push_back(1.0f);
    } else if (wavelength > original / low) {
      factors.push_back(static_cast<float>(factor));
    } else {
      double smooth = (original / wavelength - low) / (high - low);
      factors.push_back(static_cast<float>(1.0 / ((1 - smooth) / factor + smooth)));
    }
  }
  return mx::array(factors.data(), {static_cast<int>(factors.size())}, mx::float32);
}

// Q8_0 of a matrix as llama.cpp quantizes it: per 32 values d = max|x| / 127 (float16),
// q = round(x / d); as MLX's affine triple, q + 128 with scale d and bias -128 d.
mx::GGUFQuantized q8_0(const mx::array& w) {
  auto x = mx::astype(w, mx::float32);
  mx::eval(x);
  const float* v = x.data<float>();
  int64_t groups = x.size() / 32;
  std::vector<uint32_t> words(groups * 8);
  std::vector<mx::float16_t> scales(groups), biases(groups);
  for (int64_t g = 0; g < groups; ++g) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) {
      amax = std::max(amax, std::abs(v[g * 32 + i]));
    }
    mx::float16_t d(amax / 127.0f);
    float inv = static_cast<float>(d) != 0 ? 1.0f / static_cast<float>(d) : 0.0f;
    for (int i = 0; i < 32; ++i) {
      auto q = static_cast<int>(std::lround(v[g * 32 + i] * inv));
      q = std::clamp(q, -127, 127) + 128;
      words[g * 8 + i / 4] |= static_cast<uint32_t>(q) << (8 * (i % 4));
    }
    scales[g] = d;
    biases[g] = mx::float16_t(-128.0f * static_cast<float>(d));
  }
  int rows = w.shape(0);
  int cols = w.shape(1);
  return {mx::array(words.data(), {rows, cols / 4}, mx::uint32),
          mx::array(scales.data(), {rows, cols / 32}, mx::float16),
          mx::array(biases.data(), {rows, cols / 32}, mx::float16), 32, 8};
}

// 8 bits: Q8_0. 4 and 5 bits: MLX's affine quantization with group size 32 (a minimum and a
// step per group), which save_gguf_quantized writes as Q4_1 and Q5_1.
mx::GGUFQuantized quantize_for_gguf(const mx::array& w, int bits) {
  if (bits == 8) {
    return q8_0(w);
  }
  auto q = mx::quantize(w, 32, bits);
  return {q[0], mx::astype(q[1], mx::float16), mx::astype(q[2], mx::float16), 32, bits};
}

// The float values a quantized triple stands for.
mx::array dequantized(const mx::GGUFQuantized& q) {
  return mx::dequantize(q.weight, mx::astype(q.scales, mx::float32),
                        mx::astype(q.biases, mx::float32), 32, q.bits);
}

// How convert stores matrices: float32, quantized to `bits`, or float32 holding the values of
// that quantization (`dequantized`).
struct Storage {
  int bits = 0;
  bool dequantized = false;
};

// A fixture as llama.cpp's converter would write it.
GgufParts convert(const std::string& name, Storage storage = {}) {
  auto config = json::parse(std::ifstream(fixture(name) / "config.json"));
  auto weights = mx::load_safetensors((fixture(name) / "model.safetensors").string()).first;
  auto arch = gguf_architecture(config.at("model_type").get<std::string>());
  auto p = arch + ".";
  int heads = config.at("num_attention_heads").get<int>();
  int kv_heads = config.at("num_key_value_heads").get<int>();
  int head_dim = config.at("head_dim").get<int>();
  auto rope = config.at("rope_parameters");

  GgufParts out;
  auto& m = out.metadata;
  m["general.architecture"] = arch;
  bool quantized_file = storage.bits > 0 && !storage.dequantized;
  m["general.file_type"] = u32(quantized_file ? 7 : 0);
  m[p + "block_count"] = u32(config.at("num_hidden_layers").get<int>());
  m[p + "embedding_length"] = u32(config.at("hidden_size").get<int>());
  m[p + "feed_forward_length"] = u32(config.at("intermediate_size").get<int>());
  m[p + "context_length"] = u32(config.at("max_position_embeddings").get<int>());
  m[p + "attention.head_count"] = u32(heads);
  m[p + "attention.head_count_kv"] = u32(kv_heads);
  m[p + "attention.key_length"] = u32(head_dim);
  m[p + "attention.value_length"] = u32(head_dim);
  m[p + "attention.layer_norm_rms_epsilon"] = f32(config.at("rms_norm_eps").get<double>());
  m[p + "rope.dimension_count"] = u32(head_dim);
  m["tokenizer.ggml.bos_token_id"] = u32(config.at("bos_token_id").get<int>());
  m["tokenizer.ggml.eos_token_id"] = u32(config.at("eos_token_id").get<int>());
  if (rope.contains("full_attention")) { // Gemma 3: global and local rotary bases
    m[p + "rope.freq_base"] = f32(rope["full_attention"]["rope_theta"].get<double>());
    m[p + "rope.freq_base_swa"] = f32(rope["sliding_attention"]["rope_theta"].get<double>());
  } else {
    m[p + "rope.freq_base"] = f32(rope.at("rope_theta").get<double>());
    auto type = rope.value("rope_type", "default");
    if (type == "linear") {
      m[p + "rope.scaling.type"] = std::string("linear");
      m[p + "rope.scaling.factor"] = f32(rope.at("factor").get<double>());
    } else if (type == "llama3") {
      out.tensors.emplace("rope_freqs.weight", llama3_rope_factors(rope, head_dim));
    }
  }
  if (config.contains("sliding_window") && config["sliding_window"].is_number()) {
    m[p + "attention.sliding_window"] = u32(config["sliding_window"].get<int>());
  }
  if (config.contains("layer_types") && is_gemma(arch)) {
    std::vector<uint8_t> sliding;
    for (auto& t : config["layer_types"]) {
      sliding.push_back(t == "sliding_attention");
    }
    m[p + "attention.sliding_window_pattern"] = mx::astype(
        mx::array(sliding.data(), {static_cast<int>(sliding.size())}, mx::uint8), mx::bool_);
  }
  for (const char* key : {"attn_logit_softcapping", "final_logit_softcapping"}) {
    if (config.contains(key) && config[key].is_number()) {
      m[p + key] = f32(config[key].get<double>());
    }
  }

  for (auto& [hf, w] : weights) {
    auto name = gguf_name(hf, arch);
    auto value = w;
    bool is_norm = hf.find("norm.weight") != std::string::npos;
    if (is_gemma(arch) && is_norm) {
      value = mx::add(value, mx::array(1.0f));
    }
    if (arch == "llama" && hf.find("self_attn.q_proj") != std::string::npos) {
      value = permute_rows(value, heads);
    } else if (arch == "llama" && hf.find("self_attn.k_proj") != std::string::npos) {
      value = permute_rows(value, kv_heads);
    }
    if (storage.bits > 0 && value.ndim() == 2) {
      auto q = quantize_for_gguf(value, storage.bits);
      if (!storage.dequantized) {
        out.quantized.emplace(name, q);
        continue;
      }
      value = dequantized(q);
    }
    out.tensors.emplace(name, value);
  }
  return out;
}

struct Reference {
  std::vector<int32_t> prompt;
  std::vector<int32_t> greedy;
  mx::array logits;
};

Reference reference(const std::string& name) {
  auto r = json::parse(std::ifstream(fixture(name) / "reference.json"));
  auto logits =
      mx::load_safetensors((fixture(name) / "reference.safetensors").string()).first.at("logits");
  return {r["prompt"].get<std::vector<int32_t>>(), r["greedy"].get<std::vector<int32_t>>(), logits};
}

std::vector<int32_t> greedy(Model& model, const std::vector<int32_t>& prompt, int n) {
  GenerationParams params;
  params.max_tokens = n;
  std::vector<int32_t> tokens;
  auto cache = model.make_cache();
  generate(model, prompt, cache, params, [&](const GeneratedToken& t) {
    tokens.push_back(t.id);
    return true;
  });
  return tokens;
}

float max_abs_difference(const mx::array& a, const mx::array& b) {
  return mx::max(mx::abs(mx::subtract(a, b))).item<float>();
}

class GgufParity : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufParity, FloatFileMatchesHuggingFace) {
  auto ref = reference(GetParam());
  auto loaded = load_model(convert(GetParam()).save(GetParam()));
  EXPECT_EQ(loaded.dtype, mx::float32);
  auto logits = prompt_logits(*loaded.model, ref.prompt);
  ASSERT_EQ(logits.shape(), ref.logits.shape());
  float scale = mx::max(mx::abs(ref.logits)).item<float>();
  float err = max_abs_difference(logits, ref.logits);
  EXPECT_LE(err, 1e-4f * scale) << "max |logit difference| " << err << ", largest logit " << scale;
  EXPECT_EQ(greedy(*loaded.model, ref.prompt, static_cast<int>(ref.greedy.size())), ref.greedy);
}

INSTANTIATE_TEST_SUITE_P(Architectures, GgufParity,
                         ::testing::Values("llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2",
                                           "gemma3_text"),
                         [](const auto& info) { return info.param; });

// Q8_0, Q4_1 and Q5_1 tensors load as quantized layers of group size 32 without being
// dequantized, and compute what the float model holding the same (dequantized) values
// computes.
class GgufQuantized : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(GgufQuantized, QuantizedLayersMatchTheirDequantizedValues) {
  auto [name, bits] = GetParam();
  auto ref = reference(name);
  auto tag = name + "_" + std::to_string(bits);
  auto quantized = load_model(convert(name, {bits, false}).save(tag), {.dtype = mx::float32});
  auto dense = load_model(convert(name, {bits, true}).save(tag + "_dequantized"));

  int quantized_layers = 0;
  for (auto& [path, module] : quantized.model->named_modules()) {
    if (auto* linear = dynamic_cast<mlxcpp::nn::Linear*>(module)) {
      EXPECT_TRUE(linear->is_quantized()) << path;
      EXPECT_EQ(linear->bits(), bits) << path;
      EXPECT_EQ(linear->group_size(), 32) << path;
      EXPECT_EQ(linear->weight.dtype(), mx::uint32) << path;
      quantized_layers += linear->is_quantized();
    } else if (auto* embedding = dynamic_cast<mlxcpp::nn::Embedding*>(module)) {
      EXPECT_TRUE(embedding->is_quantized()) << path;
    }
  }
  EXPECT_GT(quantized_layers, 0);

  auto logits = prompt_logits(*quantized.model, ref.prompt);
  auto expected = prompt_logits(*dense.model, ref.prompt);
  float scale = mx::max(mx::abs(expected)).item<float>();
  EXPECT_LE(max_abs_difference(logits, expected), 1e-4f * scale);
  if (bits != 8) {
    return;
  }
  // And near Hugging Face's float model: Q8_0's rounding (up to d/2 = max|w|/254 a weight,
  // about 0.5% of a weight's spread) moves these tiny random models' logits by about 2% RMS
  // (measured 1.7-1.8%); a wrong layout would move them by 100%.
  auto difference = mx::subtract(logits, ref.logits);
  float rms_difference = std::sqrt(mx::mean(mx::square(difference)).item<float>());
  float rms_logit = std::sqrt(mx::mean(mx::square(ref.logits)).item<float>());
  EXPECT_LE(rms_difference, 0.04f * rms_logit);
  EXPECT_LE(max_abs_difference(logits, ref.logits), 0.06f * scale);
}

INSTANTIATE_TEST_SUITE_P(Architectures, GgufQuantized,
                         ::testing::Combine(::testing::Values("llama", "qwen2"),
                                            ::testing::Values(4, 5, 8)),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

// Temporary GGUF files go with the test program.
class RemoveTemporaryFiles : public ::testing::Environment {
public:
  void TearDown() override { fs::remove_all(temp_dir()); }
};
// GoogleTest owns and deletes registered environments.
[[maybe_unused]] auto* const remove_temporary_files =
    ::testing::AddGlobalTestEnvironment(new RemoveTemporaryFiles);

// load_model's error for `parts`, which must name `needle`.
void expect_load_error(const GgufParts& parts, const std::string& needle) {
  auto path = parts.save("bad");
  try {
    load_model(path);
    ADD_FAILURE() << "no error; expected one naming " << needle;
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(GgufModel, BadFilesGiveErrorsNamingTheProblem) {
  auto parts = convert("llama");
  parts.metadata.erase("llama.block_count");
  expect_load_error(parts, "llama.block_count");

  parts = convert("llama");
  parts.metadata["llama.attention.layer_norm_rms_epsilon"] = std::string("tiny");
  expect_load_error(parts, "llama.attention.layer_norm_rms_epsilon");

  parts = convert("llama");
  parts.metadata["general.architecture"] = std::string("mamba9");
  expect_load_error(parts, "mamba9");

  parts = convert("llama");
  parts.tensors.insert_or_assign("blk.0.ffn_down.weight", mx::zeros({64, 64}));
  expect_load_error(parts, "blk.0.ffn_down.weight");

  parts = convert("llama");
  parts.tensors.insert_or_assign("blk.0.attn_q.weight", mx::zeros({60, 64}));
  expect_load_error(parts, "blk.0.attn_q.weight");

  parts = convert("llama");
  parts.tensors.erase("blk.1.ffn_up.weight");
  expect_load_error(parts, "blk.1.ffn_up.weight");

  parts = convert("llama");
  parts.tensors.emplace("blk.0.ffn_mystery.weight", mx::zeros({4}));
  expect_load_error(parts, "blk.0.ffn_mystery.weight");

  parts = convert("llama");
  parts.tensors.insert_or_assign("rope_freqs.weight", mx::ones({3}));
  expect_load_error(parts, "rope_freqs.weight");

  parts = convert("qwen2");
  parts.metadata["qwen2.rope.scaling.type"] = std::string("spiral");
  expect_load_error(parts, "qwen2.rope.scaling.type");
}

TEST(GgufModel, FolderWithOneGgufLoadsAndSeveralAreAnError) {
  auto dir = temp_dir() / "folder";
  fs::create_directories(dir);
  fs::copy_file(convert("qwen3").save("qwen3"), dir / "model.gguf",
                fs::copy_options::overwrite_existing);
  auto ref = reference("qwen3");
  auto loaded = load_model(dir);
  EXPECT_EQ(loaded.gguf_file, dir / "model.gguf");
  EXPECT_EQ(greedy(*loaded.model, ref.prompt, 8),
            std::vector<int32_t>(ref.greedy.begin(), ref.greedy.begin() + 8));
  fs::copy_file(dir / "model.gguf", dir / "other.gguf", fs::copy_options::overwrite_existing);
  try {
    load_model(dir);
    ADD_FAILURE() << "no error for two .gguf files";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("other.gguf"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// GPT-2's byte-to-character table: printable bytes stand for themselves, the others for
// characters from U+0100 on.
std::vector<std::string> byte_level_alphabet() {
  std::vector<std::string> out(256);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    int cp = printable ? b : next++;
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    out[b] = s;
  }
  return out;
}

struct CliResult {
  int status;
  std::string output;
};

CliResult run_cli(const std::string& args) {
  std::string command = std::string(MLXCPP_CLI) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while (pipe && (n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) {
    out.append(buf, n);
  }
  int status = pipe ? ::pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The CLI on a GGUF file: ids in, the greedy continuation out; text in through the file's own
// (byte-level) tokenizer.
TEST(GgufModel, CliGeneratesFromAGgufFile) {
  auto parts = convert("llama");
  auto tokens = byte_level_alphabet();
  std::vector<int32_t> types(256, 6);
  for (int i = 256; i < 512; ++i) {
    tokens.push_back("<tok" + std::to_string(i) + ">");
    types.push_back(i == 256 ? 3 : 1);
  }
  parts.metadata["tokenizer.ggml.model"] = std::string("gpt2");
  parts.metadata["tokenizer.ggml.pre"] = std::string("llama-bpe");
  parts.metadata["tokenizer.ggml.tokens"] = tokens;
  parts.metadata["tokenizer.ggml.token_type"] = mx::array(types.data(), {512}, mx::int32);
  parts.metadata["tokenizer.ggml.merges"] = std::vector<std::string>{};
  parts.metadata["tokenizer.ggml.bos_token_id"] = u32(256);
  parts.metadata["tokenizer.ggml.eos_token_id"] = u32(257);
  auto path = parts.save("cli");

  auto ref = reference("llama");
  std::string ids;
  for (auto id : ref.prompt) {
    ids += (ids.empty() ? "" : ",") + std::to_string(id);
  }
  auto r = run_cli("generate --model " + path.string() + " --prompt-ids " + ids +
                   " --max-tokens 24 --temp 0 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = json::parse(r.output);
  // EOS (257) would stop early; the reference continuation has none.
  EXPECT_EQ(out["tokens"].get<std::vector<int32_t>>(), ref.greedy);

  r = run_cli("generate --model " + path.string() +
              " --prompt 'Hi' --max-tokens 3 --temp 0 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(json::parse(r.output)["prompt_tokens"], 3); // BOS, 'H', 'i'

  r = run_cli("generate --model " + (temp_dir() / "missing.gguf").string() + " --prompt-ids 1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("not found"), std::string::npos) << r.output;
}

} // namespace
