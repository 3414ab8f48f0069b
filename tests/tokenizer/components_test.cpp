// Each normalizer, pre-tokenizer and decoder alone, against Hugging Face's normalize_str,
// pre_tokenize_str and decode on sample inputs (components.jsonl.gz).
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tokenizer/components.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer::detail {
namespace {

struct Outcome {
  int total = 0;
  int failed = 0;
};

TEST(Components, MatchReference) {
  auto lines = testing::read_lines(testing::own_fixtures_dir() / "components.jsonl.gz");
  ASSERT_GT(lines.size(), 1000u);
  std::map<std::string, Outcome> by_config;
  int reported = 0;
  for (const auto& line : lines) {
    auto row = nlohmann::json::parse(line);
    std::string kind = row["kind"];
    std::string config = row["config"].dump();
    JsonDocument doc = JsonDocument::parse(config);
    std::string got, expected;
    if (kind == "normalizer") {
      std::string text = row["input"];
      make_normalizer(doc.root())->normalize(text);
      got = nlohmann::json(text).dump();
      expected = row["output"].dump();
    } else if (kind == "pre_tokenizer") {
      Pieces pieces{Piece{row["input"], -1, true}};
      if (pieces[0].text.empty()) {
        pieces.clear();
      }
      make_pre_tokenizer(doc.root())->pre_tokenize(pieces);
      std::vector<std::string> texts;
      for (auto& p : pieces) {
        texts.push_back(p.text);
      }
      got = nlohmann::json(texts).dump();
      expected = row["output"].dump();
    } else {
      auto tokens = row["input"].get<std::vector<std::string>>();
      make_decoder(doc.root())->decode_chain(tokens);
      std::string joined;
      for (auto& t : tokens) {
        joined += t;
      }
      got = nlohmann::json(joined).dump();
      expected = row.contains("output") ? row["output"].dump() : "error";
    }
    auto& outcome = by_config[kind + " " + config.substr(0, 120)];
    ++outcome.total;
    if (got != expected) {
      ++outcome.failed;
      if (++reported <= 10) {
        ADD_FAILURE() << kind << " " << config << "\n  input    " << row["input"].dump()
                      << "\n  got      " << got << "\n  expected " << expected;
      }
    }
  }
  for (const auto& [config, outcome] : by_config) {
    EXPECT_EQ(outcome.failed, 0) << config << ": " << outcome.failed << "/" << outcome.total;
  }
}

} // namespace
} // namespace mlxcpp::tokenizer::detail
