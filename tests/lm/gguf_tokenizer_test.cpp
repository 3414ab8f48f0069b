// GGUF tokenizers against the tokenizer.json they were converted from: each test writes the
// GGUF tokenizer metadata llama.cpp's converter would write for a real tokenizer (Llama 3.1
// and Qwen 3: byte-level BPE with merges; Llama 2: SentencePiece BPE with scores and byte
// fallback), builds the tokenizer from it, and checks identical ids and text on the corpus.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "mlx/io.h"
#include "mlx/mlx.h"

#include "mlxcpp/lm/gguf.h"
#include "tokenizer/fixtures.h"

namespace fs = std::filesystem;
namespace mx = mlx::core;
using namespace mlxcpp::lm;
using mlxcpp::tokenizer::PretrainedTokenizer;
using nlohmann::json;
namespace testing_fixtures = mlxcpp::tokenizer::testing;

namespace {

enum TokenType { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

mx::array u32(int64_t v) {
  return mx::array(static_cast<uint32_t>(v), mx::uint32);
}

mx::array int32_list(const std::vector<int32_t>& v) {
  return mx::array(v.data(), {static_cast<int>(v.size())}, mx::int32);
}

std::string text_of(const json& token) {
  return token.is_string() ? token.get<std::string>() : token.at("content").get<std::string>();
}

bool looks_special(const std::string& t) {
  return t.size() > 2 && t.front() == '<' && t.back() == '>';
}

// The vocabulary by id, with llama.cpp's token types: added tokens are control tokens when
// special (or shaped like one), user-defined otherwise; unused ids become [PADn].
void add_vocabulary(const json& tokenizer, GGUFMetadata& m, std::vector<std::string>& tokens,
                    std::vector<int32_t>& types) {
  std::map<int, std::pair<std::string, int>> by_id;
  for (auto& [text, id] : tokenizer["model"]["vocab"].items()) {
    int type = normal;
    if (text.size() == 6 && text.rfind("<0x", 0) == 0 && text.back() == '>') {
      type = byte;
    }
    by_id[id.get<int>()] = {text, type};
  }
  for (auto& t : tokenizer["added_tokens"]) {
    auto content = t["content"].get<std::string>();
    bool special = t["special"].get<bool>() || looks_special(content);
    int type = special ? control : user_defined;
    if (tokenizer["model"].contains("unk_token") && tokenizer["model"]["unk_token"] == content) {
      type = unknown;
    }
    by_id[t["id"].get<int>()] = {content, type};
  }
  int n = by_id.rbegin()->first + 1;
  for (int id = 0; id < n; ++id) {
    auto it = by_id.find(id);
    tokens.push_back(it != by_id.end() ? it->second.first : "[PAD" + std::to_string(id) + "]");
    types.push_back(it != by_id.end() ? it->second.second : unused);
  }
  m["tokenizer.ggml.tokens"] = tokens;
  m["tokenizer.ggml.token_type"] = int32_list(types);
}

int id_of(const std::vector<std::string>& tokens, const std::string& text) {
  auto it = std::find(tokens.begin(), tokens.end(), text);
  EXPECT_NE(it, tokens.end()) << text;
  return static_cast<int>(it - tokens.begin());
}

void add_special_tokens(const json& config, const std::vector<std::string>& tokens, GGUFMetadata& m,
                        bool add_bos) {
  if (!config.at("bos_token").is_null()) { // Qwen has none
    m["tokenizer.ggml.bos_token_id"] = u32(id_of(tokens, text_of(config["bos_token"])));
  }
  m["tokenizer.ggml.eos_token_id"] = u32(id_of(tokens, text_of(config.at("eos_token"))));
  m["tokenizer.ggml.add_bos_token"] = mx::array(add_bos);
  if (config.contains("chat_template") && config["chat_template"].is_string()) {
    m["tokenizer.chat_template"] = config["chat_template"].get<std::string>();
  }
}

// A byte-level BPE tokenizer ("gpt2") as the converter writes it.
GGUFMetadata byte_level_metadata(const std::string& name, const std::string& pre, bool add_bos) {
  auto dir = testing_fixtures::real_model_dir(name);
  auto tokenizer = json::parse(std::ifstream(dir / "tokenizer.json"));
  auto config = json::parse(std::ifstream(dir / "tokenizer_config.json"));
  GGUFMetadata m;
  m["tokenizer.ggml.model"] = std::string("gpt2");
  m["tokenizer.ggml.pre"] = pre;
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  add_vocabulary(tokenizer, m, tokens, types);
  std::vector<std::string> merges;
  for (auto& merge : tokenizer["model"]["merges"]) {
    merges.push_back(merge.is_string()
                         ? merge.get<std::string>()
                         : merge[0].get<std::string>() + " " + merge[1].get<std::string>());
  }
  m["tokenizer.ggml.merges"] = merges;
  add_special_tokens(config, tokens, m, add_bos);
  return m;
}

// A SentencePiece BPE tokenizer ("llama"): scores instead of merges. The scores here rank each
// piece by the first merge that makes it, which is the order Hugging Face's merges came from.
GGUFMetadata sentencepiece_metadata(const std::string& name, bool space_prefix) {
  auto dir = testing_fixtures::real_model_dir(name);
  auto tokenizer = json::parse(std::ifstream(dir / "tokenizer.json"));
  auto config = json::parse(std::ifstream(dir / "tokenizer_config.json"));
  GGUFMetadata m;
  m["tokenizer.ggml.model"] = std::string("llama");
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  add_vocabulary(tokenizer, m, tokens, types);
  std::map<std::string, int> rank;
  int r = 0;
  for (auto& merge : tokenizer["model"]["merges"]) {
    auto piece = merge.is_string()
                     ? merge.get<std::string>()
                     : merge[0].get<std::string>() + " " + merge[1].get<std::string>();
    piece.erase(piece.find(' '), 1);
    rank.emplace(piece, r++);
  }
  std::vector<float> scores;
  for (auto& t : tokens) {
    auto it = rank.find(t);
    scores.push_back(it == rank.end() ? 0.0f : -1.0f - static_cast<float>(it->second));
  }
  m["tokenizer.ggml.scores"] =
      mx::array(scores.data(), {static_cast<int>(scores.size())}, mx::float32);
  m["tokenizer.ggml.unknown_token_id"] = u32(id_of(tokens, "<unk>"));
  m["tokenizer.ggml.add_space_prefix"] = mx::array(space_prefix);
  add_special_tokens(config, tokens, m, true);
  return m;
}

std::vector<std::string> corpus() {
  std::vector<std::string> texts;
  auto dir = testing_fixtures::real_fixtures_dir();
  if (dir.empty()) {
    return texts;
  }
  for (auto& line : testing_fixtures::read_lines(dir / "corpus.jsonl.gz")) {
    texts.push_back(json::parse(line)["text"].get<std::string>());
  }
  return texts;
}

void expect_same_tokenizer(const PretrainedTokenizer& gguf, const PretrainedTokenizer& hf) {
  auto texts = corpus();
  if (texts.empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  int mismatches = 0;
  for (const auto& text : texts) {
    auto ids = gguf.tokenizer().encode(text, false);
    auto expected = hf.tokenizer().encode(text, false);
    if (ids != expected && ++mismatches <= 3) {
      ADD_FAILURE() << "different ids for: " << text << "\n"
                    << ::testing::PrintToString(ids) << "\n"
                    << ::testing::PrintToString(expected);
    }
    EXPECT_EQ(gguf.tokenizer().encode(text, true), hf.tokenizer().encode(text, true)) << text;
    EXPECT_EQ(gguf.tokenizer().decode(ids), hf.tokenizer().decode(expected)) << text;
  }
  EXPECT_EQ(mismatches, 0) << "of " << texts.size() << " texts";
  for (const char* name : {"bos_token", "eos_token"}) {
    EXPECT_EQ(gguf.special_tokens().at(name), hf.special_tokens().at(name)) << name;
  }
}

TEST(GgufTokenizer, Llama3ByteLevelBpeMatchesTokenizerJson) {
  if (testing_fixtures::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  auto gguf = gguf_tokenizer(byte_level_metadata("llama3_1", "llama-bpe", true));
  auto hf = PretrainedTokenizer::from_dir(testing_fixtures::real_model_dir("llama3_1"));
  expect_same_tokenizer(gguf, hf);
  // The chat template comes from tokenizer.chat_template and renders the same.
  mlxcpp::tokenizer::ChatTemplateInputs inputs;
  inputs.messages.push_back({{"role", "user"}, {"content", "Hello there"}});
  inputs.add_generation_prompt = true;
  EXPECT_EQ(gguf.chat_template().render(inputs), hf.chat_template().render(inputs));
}

TEST(GgufTokenizer, Qwen3ByteLevelBpeMatchesTokenizerJson) {
  if (testing_fixtures::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  auto gguf = gguf_tokenizer(byte_level_metadata("qwen3", "qwen2", false));
  auto hf = PretrainedTokenizer::from_dir(testing_fixtures::real_model_dir("qwen3"));
  auto texts = corpus();
  // Qwen's tokenizer has no bos_token; compare ids and text.
  for (const auto& text : texts) {
    auto ids = gguf.tokenizer().encode(text, true);
    ASSERT_EQ(ids, hf.tokenizer().encode(text, true)) << text;
    EXPECT_EQ(gguf.tokenizer().decode(ids), hf.tokenizer().decode(ids)) << text;
  }
}

TEST(GgufTokenizer, Llama2SentencePieceMatchesTokenizerJson) {
  if (testing_fixtures::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  auto gguf = gguf_tokenizer(sentencepiece_metadata("llama2", true));
  auto hf = PretrainedTokenizer::from_dir(testing_fixtures::real_model_dir("llama2"));
  expect_same_tokenizer(gguf, hf);
}

// Gemma 3: no leading "▁", a 262k vocabulary and 6k added tokens.
TEST(GgufTokenizer, Gemma3SentencePieceMatchesTokenizerJson) {
  if (testing_fixtures::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  auto gguf = gguf_tokenizer(sentencepiece_metadata("gemma3", false));
  auto hf = PretrainedTokenizer::from_dir(testing_fixtures::real_model_dir("gemma3"));
  expect_same_tokenizer(gguf, hf);
}

TEST(GgufTokenizer, SurvivesAGgufFileRoundTrip) {
  if (testing_fixtures::real_fixtures_dir().empty()) {
    GTEST_SKIP() << "real tokenizers not available";
  }
  auto metadata = sentencepiece_metadata("llama2", true);
  auto path =
      fs::temp_directory_path() / ("mlxcpp_gguf_tok_" + std::to_string(::getpid()) + ".gguf");
  mx::save_gguf(path.string(), {{"x", mx::zeros({32})}}, metadata);
  auto from_file = load_gguf_tokenizer(path);
  auto direct = gguf_tokenizer(metadata);
  for (const auto& text : corpus()) {
    EXPECT_EQ(from_file.tokenizer().encode(text), direct.tokenizer().encode(text)) << text;
  }
  fs::remove(path);
}

TEST(GgufTokenizer, BadMetadataNamesTheKey) {
  auto expect_error = [](const GGUFMetadata& m, const std::string& needle) {
    try {
      gguf_tokenizer_json(m);
      ADD_FAILURE() << "no error; expected one naming " << needle;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  GGUFMetadata m;
  expect_error(m, "tokenizer.ggml.model");
  m["tokenizer.ggml.model"] = std::string("rwkv");
  expect_error(m, "rwkv");
  m["tokenizer.ggml.model"] = std::string("gpt2");
  expect_error(m, "tokenizer.ggml.tokens");
  m["tokenizer.ggml.tokens"] = std::vector<std::string>{"a", "b", "ab"};
  expect_error(m, "tokenizer.ggml.merges");
  m["tokenizer.ggml.merges"] = std::vector<std::string>{"a b"};
  m["tokenizer.ggml.pre"] = std::string("mystery-pre");
  expect_error(m, "mystery-pre");
  m["tokenizer.ggml.pre"] = std::string("default");
  m["tokenizer.ggml.token_type"] = int32_list({1, 1});
  expect_error(m, "tokenizer.ggml.token_type");
  m["tokenizer.ggml.token_type"] = int32_list({1, 1, 1});
  m["tokenizer.ggml.bos_token_id"] = u32(7);
  m["tokenizer.ggml.add_bos_token"] = mx::array(true);
  expect_error(m, "tokenizer.ggml.bos_token_id");
  m["tokenizer.ggml.bos_token_id"] = u32(0);
  EXPECT_NO_THROW(gguf_tokenizer_json(m));
  m["tokenizer.ggml.model"] = std::string("llama");
  expect_error(m, "tokenizer.ggml.scores");
}

} // namespace
