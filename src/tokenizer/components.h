// The stages of a Hugging Face tokenizer pipeline, as our own interfaces:
// added-token split -> normalizer -> pre-tokenizer -> model -> post-processor, and the decoder.
// Each stage is built from its tokenizer.json object by a factory in the stage's file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/json_reader.h"

namespace mlxcpp::tokenizer::detail {

// A piece of the input on its way to the model. `id >= 0` marks a piece already resolved to
// one token (an added token) that the later stages leave alone.
struct Piece {
  std::string text;
  int32_t id = -1;
  // True when the piece begins at the start of the original input (Metaspace's "first").
  bool at_start = false;
};
using Pieces = std::vector<Piece>;

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  // Splits or rewrites every piece whose id is unset; drops pieces that become empty.
  virtual void pre_tokenize(Pieces& pieces) const = 0;
};

class Model {
public:
  virtual ~Model() = default;
  virtual void tokenize(std::string_view word, std::vector<int32_t>& ids) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string_view> id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
};

class PostProcessor {
public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<int32_t>& ids, bool add_special_tokens) const = 0;
};

class Decoder {
public:
  virtual ~Decoder() = default;
  // Hugging Face's decode_chain: rewrites the token strings in place; the caller joins them.
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

std::unique_ptr<Normalizer> make_normalizer(JsonRef json);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(JsonRef json);
std::unique_ptr<Model> make_model(JsonRef json);
std::unique_ptr<PostProcessor> make_post_processor(JsonRef json);
std::unique_ptr<Decoder> make_decoder(JsonRef json);

// Applies `split` to every unresolved piece: `split(text, out)` appends [begin, end) byte
// ranges of `text`, and each becomes a piece of its own.
template <class SplitFn>
void split_pieces(Pieces& pieces, SplitFn&& split) {
  Pieces result;
  result.reserve(pieces.size() * 2);
  std::vector<std::pair<size_t, size_t>> ranges;
  for (Piece& piece : pieces) {
    if (piece.id >= 0) {
      result.push_back(std::move(piece));
      continue;
    }
    ranges.clear();
    split(std::string_view(piece.text), ranges);
    for (auto [b, e] : ranges) {
      if (e > b) {
        result.push_back(Piece{piece.text.substr(b, e - b), -1, piece.at_start && b == 0});
      }
    }
  }
  pieces = std::move(result);
}

// The `type` field of a component, with a clear error when it is missing.
std::string_view component_type(JsonRef json, std::string_view component);

} // namespace mlxcpp::tokenizer::detail
