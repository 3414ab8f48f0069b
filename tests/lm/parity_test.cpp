// Every architecture against Hugging Face: tests/fixtures/lm/<arch>[_q4|_q8] hold a tiny random
// model, its float32 logits over an 11-token prompt and its greedy 24-token continuation, made
// by scripts/make_lm_fixtures.py. Quantized variants are compared with HF running the
// dequantized weights.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlx/io.h"
#include "mlx/mlx.h"

#include "mlxcpp/lm/generate.h"
#include "mlxcpp/lm/loader.h"

namespace fs = std::filesystem;
namespace mx = mlx::core;
using namespace mlxcpp::lm;

namespace {

fs::path fixtures_dir() {
  return fs::path(MLXCPP_SOURCE_DIR) / "tests" / "fixtures" / "lm";
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  if (fs::is_directory(fixtures_dir())) {
    for (auto& e : fs::directory_iterator(fixtures_dir())) {
      if (e.is_directory()) {
        names.push_back(e.path().filename().string());
      }
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, LogitsAndGreedyContinuationMatchHuggingFace) {
  auto dir = fixtures_dir() / GetParam();
  auto reference = nlohmann::json::parse(std::ifstream(dir / "reference.json"));
  auto prompt = reference["prompt"].get<std::vector<int32_t>>();
  auto greedy = reference["greedy"].get<std::vector<int32_t>>();
  auto expected = mx::load_safetensors((dir / "reference.safetensors").string()).first.at("logits");

  auto loaded = load_model(dir);
  auto logits = prompt_logits(*loaded.model, prompt);
  ASSERT_EQ(logits.shape(), expected.shape());
  // Within 1e-4 of the largest logit.
  float scale = mx::max(mx::abs(expected)).item<float>();
  float err = mx::max(mx::abs(mx::subtract(logits, expected))).item<float>();
  EXPECT_LE(err, 1e-4f * scale) << "max |logit difference| " << err << ", largest logit " << scale;

  GenerationParams params;
  params.max_tokens = static_cast<int>(greedy.size());
  std::vector<int32_t> tokens;
  auto cache = loaded.model->make_cache();
  generate(*loaded.model, prompt, cache, params, [&](const GeneratedToken& t) {
    tokens.push_back(t.id);
    return true;
  });
  EXPECT_EQ(tokens, greedy);
}

INSTANTIATE_TEST_SUITE_P(Architectures, Parity, ::testing::ValuesIn(fixture_names()),
                         [](const auto& info) { return info.param; });

} // namespace
