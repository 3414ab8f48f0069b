// The real models' chat templates render exactly what transformers rendered, or raise where it
// raised (goldens/NAME.chat.jsonl.gz).
//
// The goldens were rendered with the config's chat_template and only those of its bos, eos, unk
// and pad tokens that are plain strings (DeepSeek-V3 writes its tokens as AddedToken objects,
// so its goldens carry no BOS), so the test builds the same inputs. PretrainedTokenizer, like
// transformers loading the folder, also resolves AddedToken objects.
#include <gtest/gtest.h>

#include "mlxcpp/tokenizer/pretrained.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

class RealChatTemplate : public ::testing::TestWithParam<std::string> {};

TEST_P(RealChatTemplate, MatchesTransformers) {
  auto dir = testing::real_fixtures_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped (MLXCPP_SKIP_REAL_TOKENIZERS=1)";
  }
  const std::string name = GetParam();
  auto model_dir = testing::real_model_dir(name);
  auto config =
      nlohmann::ordered_json::parse(testing::read_file(model_dir / "tokenizer_config.json"));
  std::map<std::string, std::string> specials;
  for (const char* token : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    if (config.contains(token) && config[token].is_string()) {
      specials[token] = config[token].get<std::string>();
    }
  }
  ASSERT_TRUE(config["chat_template"].is_string());
  ChatTemplate tmpl(config["chat_template"].get<std::string>(), specials);
  ASSERT_TRUE(PretrainedTokenizer::from_dir(model_dir).has_chat_template());
  auto lines = testing::read_lines(dir / "goldens" / (name + ".chat.jsonl.gz"));
  ASSERT_FALSE(lines.empty());
  int passed = 0;
  int expected_errors = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto row = nlohmann::ordered_json::parse(lines[i]);
    ChatTemplateInputs inputs;
    inputs.messages = row["messages"];
    inputs.tools = row["tools"];
    inputs.add_generation_prompt = row["add_generation_prompt"].get<bool>();
    inputs.variables = row["extra"];
    SCOPED_TRACE(name + " case " + std::to_string(i));
    if (row.contains("error")) {
      ++expected_errors;
      EXPECT_THROW(tmpl.render(inputs), jinja::TemplateError) << row["error"];
      continue;
    }
    try {
      std::string rendered = tmpl.render(inputs);
      EXPECT_EQ(rendered, row["rendered"].get<std::string>());
      passed += rendered == row["rendered"].get<std::string>();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
  EXPECT_EQ(passed + expected_errors, static_cast<int>(lines.size()));
}

INSTANTIATE_TEST_SUITE_P(FourModels, RealChatTemplate,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "deepseek_v3"));

TEST(RealChatTemplate, ModelsWithoutATemplateSayWhy) {
  auto dir = testing::real_fixtures_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped";
  }
  auto model = PretrainedTokenizer::from_dir(testing::real_model_dir("llama2"));
  EXPECT_FALSE(model.has_chat_template());
  EXPECT_THROW(model.chat_template(), std::runtime_error);
}

} // namespace
} // namespace mlxcpp::tokenizer
