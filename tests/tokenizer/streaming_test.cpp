// Streaming detokenization: pieces are valid UTF-8 and join to the full decode.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlxcpp/tokenizer/streaming_detokenizer.h"
#include "tokenizer/fixtures.h"
#include "tokenizer/utf8_repair.h"

namespace mlxcpp::tokenizer {
namespace {

void expect_stream_matches(const Tokenizer& tok, const std::vector<int32_t>& ids,
                           const std::string& label) {
  StreamingDetokenizer stream(tok, false);
  std::string joined;
  for (int32_t id : ids) {
    std::string piece = stream.push(id);
    ASSERT_TRUE(detail::is_valid_utf8(piece)) << label << ": broken UTF-8 piece";
    joined += piece;
  }
  std::string rest = stream.finish();
  ASSERT_TRUE(detail::is_valid_utf8(rest));
  joined += rest;
  EXPECT_EQ(joined, tok.decode(ids, false)) << label;
}

class Streaming : public ::testing::TestWithParam<std::string> {};

TEST_P(Streaming, PiecesAreValidUtf8AndJoinToTheFullDecode) {
  auto dir = testing::real_fixtures_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped";
  }
  Tokenizer tok = Tokenizer::from_file(testing::real_model_dir(GetParam()) / "tokenizer.json");
  auto lines = testing::read_lines(dir / "goldens" / (GetParam() + ".encode.jsonl.gz"));
  for (size_t i = 0; i < lines.size(); i += 3) {
    auto ids = nlohmann::json::parse(lines[i])["ids_special"].get<std::vector<int32_t>>();
    expect_stream_matches(tok, ids, GetParam() + " line " + std::to_string(i));
  }
}

INSTANTIATE_TEST_SUITE_P(AllSix, Streaming,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "deepseek_v3", "gptoss",
                                           "llama2"));

TEST(Streaming, HoldsBackASplitCharacter) {
  auto dir = testing::real_fixtures_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped";
  }
  // Llama 2 spells an unseen emoji as four <0x..> byte tokens: nothing may come out until the
  // fourth arrives.
  Tokenizer tok = Tokenizer::from_file(testing::real_model_dir("llama2") / "tokenizer.json");
  auto ids = tok.encode("\xF0\x9F\xAA\xA9", false); // U+1FAA9, not in the vocab
  ASSERT_GE(ids.size(), 4u);
  StreamingDetokenizer stream(tok);
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string piece = stream.push(ids[i]);
    if (i + 1 < ids.size()) {
      EXPECT_EQ(piece.find("\xEF\xBF\xBD"), std::string::npos);
    }
    out += piece;
  }
  out += stream.finish();
  EXPECT_EQ(out, tok.decode(ids));
  EXPECT_NE(out.find("\xF0\x9F\xAA\xA9"), std::string::npos);
}

TEST(Streaming, FinishFlushesAnIncompleteCharacterAsReplacement) {
  if (testing::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped";
  }
  Tokenizer tok = Tokenizer::from_file(testing::real_model_dir("llama2") / "tokenizer.json");
  auto bytes = tok.token_to_id("<0xE2>");
  ASSERT_TRUE(bytes.has_value());
  StreamingDetokenizer stream(tok);
  EXPECT_EQ(stream.push(*bytes), "");
  EXPECT_EQ(stream.finish(), "\xEF\xBF\xBD");
}

} // namespace
} // namespace mlxcpp::tokenizer
