// A GGUF file's tokenizer as the tokenizer.json that describes the same tokenizer, so the
// tokenizer library loads it like any other.
#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "lm/gguf_metadata.h"
#include "mlxcpp/lm/gguf.h"

namespace mlxcpp::lm {

namespace {

using detail::GGUFReader;
using nlohmann::json;

// tokenizer.ggml.token_type values (SentencePiece's piece types).
enum TokenType { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

struct Vocabulary {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
};

Vocabulary read_vocabulary(const GGUFReader& meta) {
  Vocabulary v{meta.strings("tokenizer.ggml.tokens"), {}};
  if (meta.has("tokenizer.ggml.token_type")) {
    v.types = meta.integers("tokenizer.ggml.token_type");
    if (v.types.size() != v.tokens.size()) {
      throw std::runtime_error("GGUF metadata key \"tokenizer.ggml.token_type\" has " +
                               std::to_string(v.types.size()) + " entries for " +
                               std::to_string(v.tokens.size()) + " tokens.");
    }
  } else {
    v.types.assign(v.tokens.size(), normal);
  }
  return v;
}

// Token text -> id; the first id wins where a file repeats a text.
json vocab_object(const Vocabulary& v) {
  json vocab = json::object();
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    vocab.emplace(v.tokens[id], static_cast<int64_t>(id));
  }
  return vocab;
}

// Control, unknown and user-defined tokens match whole in the input, as llama.cpp does.
json added_tokens(const Vocabulary& v) {
  json list = json::array();
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    int type = v.types[id];
    if (type != control && type != unknown && type != user_defined) {
      continue;
    }
    list.push_back({{"id", id},
                    {"content", v.tokens[id]},
                    {"single_word", false},
                    {"lstrip", false},
                    {"rstrip", false},
                    {"normalized", false},
                    {"special", type != user_defined}});
  }
  return list;
}

const std::string* token_at(const Vocabulary& v, const GGUFReader& meta, const std::string& key) {
  auto id = meta.optional_integer(key);
  if (!id) {
    return nullptr;
  }
  if (*id < 0 || *id >= static_cast<int64_t>(v.tokens.size())) {
    throw std::runtime_error("GGUF metadata key \"" + key + "\" is " + std::to_string(*id) +
                             ", outside the vocabulary of " + std::to_string(v.tokens.size()) +
                             ".");
  }
  return &v.tokens[*id];
}

// BOS and/or EOS around every encoded sequence, as tokenizer.ggml.add_bos_token/add_eos_token
// ask.
json post_processor(const Vocabulary& v, const GGUFReader& meta, bool default_add_bos) {
  json single = json::array();
  json specials = json::object();
  auto add = [&](const char* id_key, const char* flag_key, bool fallback, bool before) {
    const auto* token = token_at(v, meta, id_key);
    if (token == nullptr || !meta.optional_bool(flag_key).value_or(fallback)) {
      return;
    }
    json item = {{"SpecialToken", {{"id", *token}, {"type_id", 0}}}};
    if (before) {
      single.insert(single.begin(), item);
    } else {
      single.push_back(item);
    }
    auto id = meta.integer(id_key);
    specials[*token] = {
        {"id", *token}, {"ids", json::array({id})}, {"tokens", json::array({*token})}};
  };
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  add("tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token", default_add_bos, true);
  add("tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_eos_token", false, false);
  if (single.size() == 1) {
    return nullptr;
  }
  return {{"type", "TemplateProcessing"}, {"single", single}, {"special_tokens", specials}};
}

// The split before byte-level BPE for tokenizer.ggml.pre: llama.cpp names the expression of
// the model's Hugging Face pre-tokenizer.
json byte_level_pre_tokenizer(const std::string& pre) {
  const char* llama3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                       "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const char* qwen2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", false},
                     {"use_regex", false}};
  auto split_then_bytes = [&](const char* regex) {
    json split = {{"type", "Split"},
                  {"pattern", {{"Regex", regex}}},
                  {"behavior", "Isolated"},
                  {"invert", false}};
    return json{{"type", "Sequence"}, {"pretokenizers", {split, byte_level}}};
  };
  if (pre == "llama-bpe" || pre == "llama3") {
    return split_then_bytes(llama3);
  }
  if (pre == "qwen2") {
    return split_then_bytes(qwen2);
  }
  if (pre == "default" || pre == "gpt-2" || pre == "gpt2") {
    byte_level["use_regex"] = true; // GPT-2's own expression
    return byte_level;
  }
  throw std::runtime_error("GGUF metadata key \"tokenizer.ggml.pre\" is \"" + pre +
                           "\"; supported: default, gpt-2, llama-bpe, qwen2 (or put the "
                           "model's tokenizer.json beside the file).");
}

json byte_level_bpe(const Vocabulary& v, const GGUFReader& meta) {
  auto pre = meta.optional_string("tokenizer.ggml.pre").value_or("default");
  json model = {{"type", "BPE"},
                {"vocab", vocab_object(v)},
                {"merges", meta.strings("tokenizer.ggml.merges")},
                {"ignore_merges", pre == "llama-bpe" || pre == "llama3"},
                {"byte_fallback", false},
                {"fuse_unk", false},
                {"unk_token", nullptr}};
  json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added_tokens(v)},
      {"normalizer", nullptr},
      {"pre_tokenizer", byte_level_pre_tokenizer(pre)},
      {"post_processor", post_processor(v, meta, pre == "llama-bpe" || pre == "llama3")},
      {"decoder",
       {{"type", "ByteLevel"},
        {"add_prefix_space", false},
        {"trim_offsets", false},
        {"use_regex", false}}},
      {"model", model}};
  if (pre == "qwen2") {
    tokenizer["normalizer"] = {{"type", "NFC"}}; // as Qwen's tokenizer.json
  }
  return tokenizer;
}

// SentencePiece's BPE merges the adjacent pair whose union is the highest-scoring piece.
// As merges (the form Hugging Face converts it to): every split of a normal or user-defined
// piece (Gemma's runs of "▁" and newlines are user-defined) into two pieces of the vocabulary,
// ranked by the piece's score, then by the piece's, left and right ids.
json merges_from_scores(const Vocabulary& v, const std::vector<float>& scores) {
  std::unordered_map<std::string_view, int32_t> ids;
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    ids.emplace(v.tokens[id], static_cast<int32_t>(id));
  }
  struct Merge {
    float score;
    int32_t piece, left, right;
    size_t split;
  };
  std::vector<Merge> merges;
  for (size_t id = 0; id < v.tokens.size(); ++id) {
    if (v.types[id] != normal && v.types[id] != user_defined) {
      continue;
    }
    std::string_view piece = v.tokens[id];
    for (size_t k = 1; k < piece.size(); ++k) {
      if ((static_cast<unsigned char>(piece[k]) & 0xC0) == 0x80) {
        continue; // inside a UTF-8 character
      }
      auto left = ids.find(piece.substr(0, k));
      auto right = ids.find(piece.substr(k));
      if (left != ids.end() && right != ids.end()) {
        merges.push_back({scores[id], static_cast<int32_t>(id), left->second, right->second, k});
      }
    }
  }
  std::sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    if (a.score != b.score) {
      return a.score > b.score;
    }
    return std::tie(a.piece, a.left, a.right) < std::tie(b.piece, b.left, b.right);
  });
  json list = json::array();
  for (const auto& m : merges) {
    const auto& piece = v.tokens[m.piece];
    list.push_back(json::array({piece.substr(0, m.split), piece.substr(m.split)}));
  }
  return list;
}

json sentencepiece_bpe(const Vocabulary& v, const GGUFReader& meta) {
  auto scores = meta.floats("tokenizer.ggml.scores");
  if (scores.size() != v.tokens.size()) {
    throw std::runtime_error("GGUF metadata key \"tokenizer.ggml.scores\" has " +
                             std::to_string(scores.size()) + " entries for " +
                             std::to_string(v.tokens.size()) + " tokens.");
  }
  json unk = nullptr;
  if (const auto* token = token_at(v, meta, "tokenizer.ggml.unknown_token_id")) {
    unk = *token;
  } else if (auto it = std::find(v.types.begin(), v.types.end(), unknown); it != v.types.end()) {
    unk = v.tokens[it - v.types.begin()];
  }
  json model = {{"type", "BPE"},
                {"vocab", vocab_object(v)},
                {"merges", merges_from_scores(v, scores)},
                {"byte_fallback", true},
                {"fuse_unk", true},
                {"unk_token", unk}};
  // Spaces are "▁"; the text gets a leading one unless add_space_prefix is false, and the
  // decoder drops it again.
  bool space_prefix = meta.optional_bool("tokenizer.ggml.add_space_prefix").value_or(true);
  json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}};
  json normalizer = replace;
  json decoders = {{{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}},
                   {{"type", "ByteFallback"}},
                   {{"type", "Fuse"}}};
  if (space_prefix) {
    normalizer = {{"type", "Sequence"},
                  {"normalizers", {{{"type", "Prepend"}, {"prepend", "\u2581"}}, replace}}};
    decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  }
  return {{"version", "1.0"},
          {"added_tokens", added_tokens(v)},
          {"normalizer", normalizer},
          {"pre_tokenizer", nullptr},
          {"post_processor", post_processor(v, meta, true)},
          {"decoder", {{"type", "Sequence"}, {"decoders", decoders}}},
          {"model", model}};
}

} // namespace

std::string gguf_tokenizer_json(const GGUFMetadata& metadata) {
  GGUFReader meta(metadata);
  auto model = meta.string("tokenizer.ggml.model");
  if (model != "gpt2" && model != "llama") {
    throw std::runtime_error("GGUF metadata key \"tokenizer.ggml.model\" is \"" + model +
                             "\"; supported: gpt2, llama (or put the model's tokenizer.json "
                             "beside the file).");
  }
  auto vocabulary = read_vocabulary(meta);
  auto tokenizer =
      model == "gpt2" ? byte_level_bpe(vocabulary, meta) : sentencepiece_bpe(vocabulary, meta);
  try {
    return tokenizer.dump();
  } catch (const json::exception&) {
    throw std::runtime_error("GGUF metadata key \"tokenizer.ggml.tokens\" holds text that is not "
                             "valid UTF-8.");
  }
}

tokenizer::PretrainedTokenizer gguf_tokenizer(const GGUFMetadata& metadata) {
  GGUFReader meta(metadata);
  auto tok = tokenizer::Tokenizer::from_json(gguf_tokenizer_json(metadata));
  auto vocabulary = read_vocabulary(meta);
  std::map<std::string, std::string> special;
  static const std::pair<const char*, const char*> special_ids[] = {
      {"bos_token", "tokenizer.ggml.bos_token_id"},
      {"eos_token", "tokenizer.ggml.eos_token_id"},
      {"unk_token", "tokenizer.ggml.unknown_token_id"},
      {"pad_token", "tokenizer.ggml.padding_token_id"}};
  for (auto [name, key] : special_ids) {
    if (const auto* token = token_at(vocabulary, meta, key)) {
      special[name] = *token;
    }
  }
  std::map<std::string, std::string> templates;
  const std::string named = "tokenizer.chat_template.";
  for (const auto& [key, value] : metadata) {
    if (key == "tokenizer.chat_template") {
      templates["default"] = meta.string(key);
    } else if (key.rfind(named, 0) == 0) {
      templates[key.substr(named.size())] = meta.string(key);
    }
  }
  return tokenizer::PretrainedTokenizer::from_parts(std::move(tok), std::move(special),
                                                    std::move(templates));
}

tokenizer::PretrainedTokenizer load_gguf_tokenizer(const std::filesystem::path& file) {
  auto dir = file.parent_path();
  if (std::filesystem::exists(dir / "tokenizer.json")) {
    return tokenizer::PretrainedTokenizer::from_dir(dir);
  }
  return gguf_tokenizer(mlx::core::inspect_gguf(file.string()).second);
}

} // namespace mlxcpp::lm
