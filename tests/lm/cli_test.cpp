// The generate, logits and bench subcommands, run as a user would: results on the parity
// fixtures, and one clear line with a non-zero exit for every kind of bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "mlx/io.h"
#include "mlx/mlx.h"

namespace fs = std::filesystem;

namespace {

struct Result {
  int status;
  std::string output; // stdout and stderr
};

Result run(const std::string& args) {
  std::string command = std::string(MLXCPP_CLI) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    return {-1, ""};
  }
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

fs::path fixture(const std::string& name) {
  return fs::path(MLXCPP_SOURCE_DIR) / "tests" / "fixtures" / "lm" / name;
}

nlohmann::json reference(const std::string& name) {
  return nlohmann::json::parse(std::ifstream(fixture(name) / "reference.json"));
}

std::string ids_arg(const std::vector<int>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s += (i ? "," : "") + std::to_string(ids[i]);
  }
  return s;
}

class Cli : public ::testing::Test {
protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("mlxcpp_lm_cli_" + std::to_string(::getpid()));
    fs::create_directories(work_);
  }
  void TearDown() override { fs::remove_all(work_); }
  fs::path work_;
};

TEST_F(Cli, GenerateJsonGivesTheGreedyContinuation) {
  auto ref = reference("qwen3");
  auto prompt = ids_arg(ref["prompt"].get<std::vector<int>>());
  auto r = run("generate --model " + fixture("qwen3").string() + " --prompt-ids " + prompt +
               " --max-tokens 24 --temp 0 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = nlohmann::json::parse(r.output);
  EXPECT_EQ(out["tokens"], ref["greedy"]);
  EXPECT_EQ(out["prompt_tokens"], 11);
  EXPECT_GT(out["generation_tps"].get<double>(), 0.0);
  EXPECT_GT(out["peak_memory_bytes"].get<double>(), 0.0);
  EXPECT_TRUE(out.contains("text") && out.contains("prompt_tps"));
}

TEST_F(Cli, LogitsWritesTheForwardPass) {
  auto ref = reference("llama");
  auto out = work_ / "logits.safetensors";
  auto r = run("logits --model " + fixture("llama").string() + " --prompt-ids " +
               ids_arg(ref["prompt"].get<std::vector<int>>()) + " --out " + out.string());
  ASSERT_EQ(r.status, 0) << r.output;
  auto logits = mlx::core::load_safetensors(out.string()).first.at("logits");
  auto expected = mlx::core::load_safetensors((fixture("llama") / "reference.safetensors").string())
                      .first.at("logits");
  EXPECT_EQ(logits.dtype(), mlx::core::float32);
  EXPECT_TRUE(mlx::core::allclose(logits, expected, 1e-4, 1e-4).item<bool>());
}

TEST_F(Cli, DefaultModelGeneratesText) {
  auto r = run("generate --prompt 'The city council' --max-tokens 12 --temp 0");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Generation: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tokens/s"), std::string::npos);
}

TEST_F(Cli, BenchRunsOnAFolder) {
  auto r = run("bench --model " + fixture("llama").string() +
               " --prompt-tokens 8 --gen-tokens 4 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = nlohmann::json::parse(r.output);
  EXPECT_GT(out["bandwidth_gbs"].get<double>(), 0.0);
  EXPECT_GT(out["bandwidth_ratio"].get<double>(), 0.0);
}

void expect_clean_error(const Result& r, const std::string& needle) {
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  // One line, no crash report.
  EXPECT_LE(std::count(r.output.begin(), r.output.end(), '\n'), 2) << r.output;
}

TEST_F(Cli, BadInputIsOneClearLine) {
  auto model = fixture("llama").string();
  expect_clean_error(run("generate --model /nonexistent/model --prompt-ids 1,2"), "not found");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1,x,3"), "--prompt-ids");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1,99999"), "vocabulary");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1 --temp -1"), "temp");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1 --top-p 2"), "top-p");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1 --logit-bias 5"),
                     "logit-bias");
  expect_clean_error(run("generate --model " + model + " --prompt hello"), "tokenizer");
  expect_clean_error(run("generate --model " + model + " --prompt-ids 1 --device tpu"), "device");
  expect_clean_error(
      run("logits --model " + model + " --prompt-ids 1 --out /nonexistent/dir/x.safetensors"),
      "cannot write");

  auto bad = work_ / "unknown";
  fs::create_directories(bad);
  std::ofstream(bad / "config.json") << R"({"model_type": "transformer9000"})";
  expect_clean_error(run("generate --model " + bad.string() + " --prompt-ids 1"), "Supported: ");

  auto broken = work_ / "broken";
  fs::create_directories(broken);
  fs::copy(fixture("llama") / "config.json", broken / "config.json");
  std::ofstream(broken / "model.safetensors") << "not a safetensors file";
  auto r = run("generate --model " + broken.string() + " --prompt-ids 1");
  EXPECT_NE(r.status, 0);

  auto long_prompt = std::string("1");
  for (int i = 0; i < 300; ++i) {
    long_prompt += ",1";
  }
  expect_clean_error(run("generate --model " + model + " --prompt-ids " + long_prompt), "context");
}

TEST_F(Cli, MissingWeightNamesTheTensor) {
  auto dir = work_ / "partial";
  fs::create_directories(dir);
  fs::copy(fixture("llama") / "config.json", dir / "config.json");
  auto [weights, meta] =
      mlx::core::load_safetensors((fixture("llama") / "model.safetensors").string());
  weights.erase("model.norm.weight");
  mlx::core::save_safetensors((dir / "model.safetensors").string(), weights);
  expect_clean_error(run("generate --model " + dir.string() + " --prompt-ids 1"),
                     "model.norm.weight");
}

} // namespace
