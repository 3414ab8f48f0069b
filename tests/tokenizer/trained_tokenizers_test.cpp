// Small tokenizers trained with Hugging Face tokenizers by scripts/make_tokenizer_fixtures.py:
// WordPiece (BERT), Unigram (Metaspace), WordLevel, BPE with subword prefix/suffix, and a
// SentencePiece-converted Unigram with a Precompiled normalizer and byte fallback.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlxcpp/tokenizer/tokenizer.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

class TrainedTokenizer : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainedTokenizer, MatchesReference) {
  const std::string name = GetParam();
  auto dir = testing::own_fixtures_dir();
  Tokenizer tok = Tokenizer::from_file(dir / (name + ".tokenizer.json"));
  auto lines = testing::read_lines(dir / (name + ".encode.jsonl.gz"));
  ASSERT_GT(lines.size(), 300u);
  int failures = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto golden = nlohmann::json::parse(lines[i]);
    std::string text = golden["text"];
    auto ids = tok.encode(text, false);
    auto ids_special = tok.encode(text, true);
    auto expected_special = golden["ids_special"].get<std::vector<int32_t>>();
    std::string decoded = tok.decode(expected_special, false);
    std::string decoded_skip = tok.decode(expected_special, true);
    bool ok = ids == golden["ids"].get<std::vector<int32_t>>() && ids_special == expected_special &&
              decoded == golden["decoded"].get<std::string>() &&
              decoded_skip == golden["decoded_skip"].get<std::string>();
    if (!ok && ++failures <= 5) {
      ADD_FAILURE() << name << " line " << i << ": " << nlohmann::json(text).dump()
                    << "\n  ids      " << nlohmann::json(ids).dump() << "\n  expected "
                    << golden["ids"].dump() << "\n  special  " << nlohmann::json(ids_special).dump()
                    << "\n  expected " << golden["ids_special"].dump() << "\n  decoded  "
                    << nlohmann::json(decoded).dump() << "\n  expected " << golden["decoded"].dump()
                    << "\n  skipped  " << nlohmann::json(decoded_skip).dump() << "\n  expected "
                    << golden["decoded_skip"].dump();
    }
  }
  EXPECT_EQ(failures, 0) << name << ": " << failures << " of " << lines.size() << " texts differ";
}

INSTANTIATE_TEST_SUITE_P(Trained, TrainedTokenizer,
                         ::testing::Values("wordpiece", "unigram", "wordlevel", "bpe_suffix",
                                           "sentencepiece"));

} // namespace
} // namespace mlxcpp::tokenizer
