// Bad input is a clear error, never a crash: missing or invalid files, unknown component types,
// inconsistent vocabularies, invalid UTF-8 text.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mlxcpp/tokenizer/pretrained.h"
#include "mlxcpp/tokenizer/tokenizer.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

const char* kTinyBpe = R"({
  "added_tokens": [{"id": 3, "content": "<s>", "special": true, "normalized": false,
                    "lstrip": false, "rstrip": false, "single_word": false}],
  "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
  "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "<s>": 3}, "merges": ["a b"]}
})";

std::string replace(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

template <class Exception>
void expect_error(const std::string& json, const std::string& fragment) {
  try {
    Tokenizer::from_json(json);
    ADD_FAILURE() << "no error; expected one mentioning " << fragment;
  } catch (const Exception& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(BadInput, TheTinyTokenizerItselfWorks) {
  Tokenizer tok = Tokenizer::from_json(kTinyBpe);
  EXPECT_EQ(tok.encode("ab<s>ba", true), (std::vector<int32_t>{2, 3, 1, 0}));
}

TEST(BadInput, MissingFileNamesThePath) {
  try {
    Tokenizer::from_file("/nonexistent/tokenizer.json");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/tokenizer.json"), std::string::npos);
  }
  EXPECT_THROW(PretrainedTokenizer::from_dir("/nonexistent"), std::runtime_error);
  EXPECT_THROW(PretrainedTokenizer::from_dir(std::filesystem::temp_directory_path()),
               std::runtime_error);
}

TEST(BadInput, InvalidJsonGivesItsPosition) {
  expect_error<std::invalid_argument>("{\"model\": {\n  \"type\": BPE}}", "line 2");
  expect_error<std::invalid_argument>("", "invalid JSON");
  expect_error<std::invalid_argument>("[1, 2]", "JSON object");
  expect_error<std::invalid_argument>("{\"model\": {}} trailing", "trailing");
}

TEST(BadInput, UnknownComponentTypesAreNamed) {
  expect_error<std::invalid_argument>(replace(kTinyBpe, "\"BPE\"", "\"Magic\""),
                                      "unknown model type 'Magic'");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"normalizer\": null", "\"normalizer\": {\"type\": \"Nope\"}"),
      "unknown normalizer type 'Nope'");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Nope\"}"),
      "unknown pre_tokenizer type 'Nope'");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"decoder\": null", "\"decoder\": {\"type\": \"Nope\"}"),
      "unknown decoder type 'Nope'");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"post_processor\": null", "\"post_processor\": {\"type\": \"Nope\"}"),
      "unknown post_processor type 'Nope'");
  expect_error<std::invalid_argument>(replace(kTinyBpe, "\"model\": {", "\"x\": {"),
                                      "no \"model\"");
}

TEST(BadInput, InconsistentContentIsReported) {
  expect_error<std::invalid_argument>(replace(kTinyBpe, "[\"a b\"]", "[\"a c\"]"),
                                      "not in the vocab: 'c'");
  expect_error<std::invalid_argument>(replace(kTinyBpe, "[\"a b\"]", "[\"ab\"]"),
                                      "two tokens separated by a space");
  expect_error<std::invalid_argument>(replace(kTinyBpe, "\"a\": 0", "\"a\": \"zero\""),
                                      "should be a number");
  expect_error<std::invalid_argument>(replace(kTinyBpe, "\"a\": 0", "\"a\": 2147483647"),
                                      "out of range");
  expect_error<std::invalid_argument>(replace(kTinyBpe, "\"id\": 3", "\"id\": -1"), "out of range");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"pre_tokenizer\": null",
              "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, "
              "\"behavior\": \"Isolated\"}"),
      "bad regex");
  expect_error<std::invalid_argument>(
      replace(kTinyBpe, "\"pre_tokenizer\": null",
              "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \" \"}, "
              "\"behavior\": \"Sideways\"}"),
      "unknown split behavior");
  expect_error<std::invalid_argument>(
      R"({"added_tokens": 5, "model": {"type": "WordLevel", "vocab": {"a": 0}}})",
      "added_tokens should be an array");
}

TEST(BadInput, InvalidUtf8TextIsRepairedNotFatal) {
  Tokenizer tok = Tokenizer::from_json(kTinyBpe);
  std::string bad = "ab\xFF\xC3";
  EXPECT_NO_THROW(tok.encode(bad));
  EXPECT_EQ(tok.decode(std::vector<int32_t>{0, 99999, -5, 1}), "a b"); // unknown ids are skipped
}

TEST(BadInput, BadConfigFilesInAModelFolder) {
  auto dir = std::filesystem::temp_directory_path() / ("mlxcpp_bad_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << kTinyBpe;
  std::ofstream(dir / "tokenizer_config.json") << "{\"chat_template\": 42}";
  EXPECT_THROW(PretrainedTokenizer::from_dir(dir), std::invalid_argument);
  std::ofstream(dir / "tokenizer_config.json") << "{not json";
  EXPECT_THROW(PretrainedTokenizer::from_dir(dir), std::invalid_argument);
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"bos_token": {"content": "<s>"}, "chat_template": "{{ bos_token }}{% if %}"})";
  auto model = PretrainedTokenizer::from_dir(dir);
  EXPECT_EQ(model.special_tokens().at("bos_token"), "<s>");
  EXPECT_THROW(model.chat_template(), jinja::TemplateError);
  std::filesystem::remove_all(dir);
}

TEST(BatchEncode, MatchesOneByOneOnSeveralThreads) {
  if (testing::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped";
  }
  Tokenizer tok = Tokenizer::from_file(testing::real_model_dir("llama3_1") / "tokenizer.json");
  std::vector<std::string> texts;
  for (const auto& line : testing::read_lines(testing::real_fixtures_dir() / "corpus.jsonl.gz")) {
    texts.push_back(line); // the JSON lines themselves make varied input
  }
  auto batch = tok.encode_batch(texts, true, 4);
  ASSERT_EQ(batch.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_EQ(batch[i], tok.encode(texts[i], true)) << i;
  }
}

} // namespace
} // namespace mlxcpp::tokenizer
