// The generation features through the `mlxcpp` binary: --kv-bits, cache-prompt and
// --prompt-cache-file, --draft-model, --prompts-file; and one clear line for bad use.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "lm_test_util.h"

namespace {

using namespace lm_test;

struct Result {
  int status;
  std::string output;
};

Result run_cli(const std::string& args, bool with_stderr = true) {
  std::string command =
      std::string(MLXCPP_CLI) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
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

std::string ids_arg(const std::vector<int32_t>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) {
    s += (i ? "," : "") + std::to_string(ids[i]);
  }
  return s;
}

void expect_clean_error(const Result& r, const std::string& needle) {
  EXPECT_NE(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  EXPECT_LE(std::count(r.output.begin(), r.output.end(), '\n'), 2) << r.output;
}

class GenerationCli : public ::testing::Test {
protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("mlxcpp_generation_cli_" + std::to_string(::getpid()));
    fs::create_directories(work_);
  }
  void TearDown() override { fs::remove_all(work_); }
  fs::path work_;
};

TEST_F(GenerationCli, PromptCacheFileGivesTheSameTokens) {
  auto model = fixture("llama").string();
  auto prompt = reference_prompt("llama");
  auto file = (work_ / "llama.safetensors").string();
  auto r = run_cli("cache-prompt --model " + model + " --prompt-ids " +
                   ids_arg({prompt.begin(), prompt.begin() + 7}) + " --out " + file);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("7 prompt tokens"), std::string::npos) << r.output;
  r = run_cli("generate --model " + model + " --prompt-ids " + ids_arg(prompt) +
              " --max-tokens 24 --temp 0 --json --prompt-cache-file " + file);
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = nlohmann::json::parse(r.output);
  EXPECT_EQ(out["tokens"], reference(std::string("llama"))["greedy"]);
  EXPECT_EQ(out["cached_tokens"], 7);
  EXPECT_EQ(out["prompt_tokens"], 11);

  // Another model, a corrupt file: one clear line each.
  expect_clean_error(run_cli("generate --model " + fixture("qwen3").string() + " --prompt-ids " +
                             ids_arg(prompt) + " --prompt-cache-file " + file),
                     "made for model llama-");
  expect_clean_error(run_cli("generate --model " + model + " --prompt-ids " + ids_arg(prompt) +
                             " --quantize 8 --group-size 32 --prompt-cache-file " + file),
                     "made for model");
  auto corrupt = work_ / "corrupt.safetensors";
  // A header length of 16, then 16 bytes that are not JSON.
  std::ofstream(corrupt, std::ios::binary) << std::string("\x10\0\0\0\0\0\0\0{broken json!!!}", 24);
  expect_clean_error(run_cli("generate --model " + model +
                             " --prompt-ids 1,2 --prompt-cache-file " + corrupt.string()),
                     "prompt cache");
}

TEST_F(GenerationCli, DraftModelGivesTheGreedyTokensAndReportsAcceptance) {
  auto prompt = ids_arg(reference_prompt("gemma2"));
  auto r = run_cli("generate --model " + fixture("gemma2").string() + " --draft-model " +
                   fixture("llama").string() + " --num-draft-tokens 3 --prompt-ids " + prompt +
                   " --max-tokens 24 --temp 0 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto out = nlohmann::json::parse(r.output);
  EXPECT_EQ(out["tokens"], reference(std::string("gemma2"))["greedy"]);
  EXPECT_GT(out["draft_tokens"].get<int>(), 0);
  EXPECT_GE(out["acceptance_rate"].get<double>(), 0.0);
  EXPECT_LE(out["acceptance_rate"].get<double>(), 1.0);

  r = run_cli("generate --model " + fixture("llama").string() + " --draft-model " +
              fixture("llama").string() + " --prompt-ids " + ids_arg(reference_prompt("llama")) +
              " --max-tokens 8 --temp 0");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Draft: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("(100.0%)"), std::string::npos) << r.output;
}

TEST_F(GenerationCli, PromptsFilePrintsOneLinePerPrompt) {
  auto model = fixture("llama").string();
  auto prompt = reference_prompt("llama");
  std::vector<std::vector<int32_t>> prompts = {prompt, {prompt.begin(), prompt.begin() + 3}, {42}};
  auto file = work_ / "prompts.jsonl";
  {
    std::ofstream f(file);
    for (auto& p : prompts) {
      f << nlohmann::json{{"prompt_ids", p}}.dump() << "\n";
    }
  }
  auto r = run_cli("generate --model " + model + " --prompts-file " + file.string() +
                       " --max-tokens 10 --temp 0",
                   false);
  ASSERT_EQ(r.status, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  auto loaded = load_model(fixture("llama"));
  for (size_t i = 0; i < prompts.size(); ++i) {
    ASSERT_TRUE(std::getline(lines, line)) << r.output;
    auto out = nlohmann::json::parse(line);
    EXPECT_EQ(out["index"], i);
    EXPECT_EQ(out["tokens"].get<std::vector<int32_t>>(), greedy(*loaded.model, prompts[i], 10))
        << "prompt " << i;
  }
  EXPECT_FALSE(std::getline(lines, line)) << "more lines than prompts: " << line;

  auto bad = work_ / "bad.jsonl";
  std::ofstream(bad) << "{\"prompt_ids\": [1, 2]}\n{\"text\": \"nope\"}\n";
  expect_clean_error(run_cli("generate --model " + model + " --prompts-file " + bad.string()),
                     "line 2");
  expect_clean_error(run_cli("generate --model " + model + " --prompts-file /nonexistent.jsonl"),
                     "cannot read");
  expect_clean_error(run_cli("generate --model " + model + " --prompts-file " + file.string() +
                             " --prompt-ids 1,2"),
                     "excludes");
  expect_clean_error(run_cli("generate --model " + model + " --prompts-file " + file.string() +
                             " --draft-model " + model),
                     "cannot be combined");
}

TEST_F(GenerationCli, KvBitsFlags) {
  auto model = fixture("llama").string();
  auto prompt = ids_arg(reference_prompt("llama"));
  // Below --quantized-kv-start nothing is quantized: the usual greedy tokens.
  auto r = run_cli("generate --model " + model + " --prompt-ids " + prompt +
                   " --max-tokens 24 --temp 0 --json --kv-bits 8");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output)["tokens"], reference(std::string("llama"))["greedy"]);
  // The fixture's head_dim (16) has no whole group.
  expect_clean_error(run_cli("generate --model " + model + " --prompt-ids " + prompt +
                             " --kv-bits 4 --kv-group-size 32 --quantized-kv-start 0"),
                     "head_dim 16");
  expect_clean_error(run_cli("generate --model " + model + " --prompt-ids 1 --kv-bits 3"),
                     "kv-bits");
}

} // namespace
