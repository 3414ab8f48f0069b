// Every corpus text through the six real tokenizers must give exactly the ids, ids with special
// tokens, and decoded text that Hugging Face tokenizers produced.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlxcpp/tokenizer/tokenizer.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

using testing::real_fixtures_dir;
using testing::real_model_dir;

class RealTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(RealTokenizer, MatchesReferenceEncodingsAndDecodings) {
  auto dir = real_fixtures_dir();
  if (dir.empty()) {
    GTEST_SKIP() << "real tokenizer fixtures skipped (MLXCPP_SKIP_REAL_TOKENIZERS=1)";
  }
  const std::string name = GetParam();
  Tokenizer tok = Tokenizer::from_file(real_model_dir(name) / "tokenizer.json");
  auto lines = testing::read_lines(dir / "goldens" / (name + ".encode.jsonl.gz"));
  ASSERT_EQ(lines.size(), 306u);
  int failures = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto golden = nlohmann::json::parse(lines[i]);
    std::string text = golden["text"];
    auto ids = tok.encode(text, false);
    auto ids_special = tok.encode(text, true);
    auto expected_ids = golden["ids"].get<std::vector<int32_t>>();
    std::string decoded = tok.decode(expected_ids, false);
    bool ok = ids == expected_ids &&
              ids_special == golden["ids_special"].get<std::vector<int32_t>>() &&
              decoded == golden["decoded"].get<std::string>();
    if (!ok && ++failures <= 5) {
      ADD_FAILURE() << name << " corpus line " << i << ": " << nlohmann::json(text).dump()
                    << "\n  ids      " << nlohmann::json(ids).dump() << "\n  expected "
                    << golden["ids"].dump() << "\n  special  " << nlohmann::json(ids_special).dump()
                    << "\n  expected " << golden["ids_special"].dump() << "\n  decoded  "
                    << nlohmann::json(decoded).dump() << "\n  expected "
                    << golden["decoded"].dump();
    }
  }
  EXPECT_EQ(failures, 0) << name << ": " << failures << " of " << lines.size()
                         << " corpus texts differ";
}

INSTANTIATE_TEST_SUITE_P(AllSix, RealTokenizer,
                         ::testing::Values("qwen3", "llama3_1", "gemma3", "deepseek_v3", "gptoss",
                                           "llama2"));

} // namespace
} // namespace mlxcpp::tokenizer
