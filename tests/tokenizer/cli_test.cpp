// The tokenize, detokenize and chat-template subcommands, run as a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
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

class Cli : public ::testing::Test {
protected:
  void SetUp() override {
    if (testing::real_fixtures_dir().empty()) {
      GTEST_SKIP() << "real tokenizer fixtures skipped";
    }
    work_ = std::filesystem::temp_directory_path() / ("mlxcpp_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(work_);
  }
  void TearDown() override { std::filesystem::remove_all(work_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(work_ / name) << text;
    return (work_ / name).string();
  }
  static std::string model(const std::string& name) {
    return testing::real_model_dir(name).string();
  }
  std::filesystem::path work_;
};

TEST_F(Cli, TokenizeTextAndFile) {
  auto r =
      run("tokenize --model " + model("llama3_1") + " --text 'Hello world' --add-special-tokens");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "{\"ids\":[128000,9906,1917]}\n");
  auto file = write("in.jsonl", "{\"text\": \"Hello world\"}\n\n{\"text\": \"\"}\n");
  r = run("tokenize --model " + model("llama3_1") + " --file " + file);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "{\"ids\":[9906,1917]}\n{\"ids\":[]}\n");
}

TEST_F(Cli, DetokenizeIds) {
  auto r = run("detokenize --model " + model("llama3_1") + " --ids 128000,9906,1917");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "<|begin_of_text|>Hello world");
  r = run("detokenize --model " + model("llama3_1") +
          " --ids 128000,9906,1917 --skip-special-tokens");
  EXPECT_EQ(r.output, "Hello world");
}

TEST_F(Cli, ChatTemplateRendersWithToolsAndVariables) {
  auto messages = write("m.json", R"([{"role": "user", "content": "Hello!"}])");
  auto r = run("chat-template --model " + model("qwen3") + " --messages " + messages +
               " --add-generation-prompt --var enable_thinking=false");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>\n\n"
                      "</think>\n\n");
  auto tools = write("t.json", R"([{"type": "function", "function": {"name": "f"}}])");
  r = run("chat-template --model " + model("qwen3") + " --messages " + messages + " --tools " +
          tools);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("{\"type\": \"function\", \"function\": {\"name\": \"f\"}}"),
            std::string::npos)
      << r.output;
}

TEST_F(Cli, BadInputIsAClearErrorWithStatus1) {
  auto messages = write("m.json", R"([{"role": "assistant", "content": "first"}])");
  struct Case {
    std::string args, expect;
  };
  std::vector<Case> cases = {
      {"tokenize --model /nonexistent --text x", "model folder not found"},
      {"tokenize --model " + model("qwen3"), "exactly one of --text and --file"},
      {"tokenize --model " + model("qwen3") + " --file /nonexistent.jsonl", "cannot open"},
      {"tokenize --model " + model("qwen3") + " --file " + write("bad.jsonl", "{\"txt\": 1}\n"),
       "line 1"},
      {"detokenize --model " + model("qwen3") + " --ids 1,,2", "is not a token id"},
      {"chat-template --model " + model("llama2") + " --messages " + messages, "no chat template"},
      {"chat-template --model " + model("gemma3") + " --messages " + messages,
       "Conversation roles must alternate"},
      {"chat-template --model " + model("qwen3") + " --messages " + write("x.json", "{"),
       "not valid JSON"},
      {"chat-template --model " + model("qwen3") + " --messages " + messages + " --var x=notjson",
       "not JSON"},
  };
  for (const auto& c : cases) {
    auto r = run(c.args);
    EXPECT_EQ(r.status, 1) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.args << "\n" << r.output;
  }
}

TEST_F(Cli, UnknownAndMissingFlagsAreRejected) {
  auto r = run("tokenize --model " + model("qwen3") + " --text x --bogus");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--bogus"), std::string::npos) << r.output;
  r = run("detokenize --ids 1");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--model"), std::string::npos) << r.output;
  r = run("tokenize --model " + model("qwen3") + " --text a --file b");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("excludes"), std::string::npos) << r.output;
}

} // namespace
} // namespace mlxcpp::tokenizer
