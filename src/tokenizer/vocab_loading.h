// Helpers shared by the model loaders: reading a {token: id} object into a map and an
// id -> token table.
#pragma once

#include <string>
#include <vector>

#include "tokenizer/flat_maps.h"
#include "tokenizer/json_reader.h"

namespace mlxcpp::tokenizer::detail {

// Ids index dense tables, so an absurd id in a file must not size one: real vocabularies stay
// far below this.
constexpr int64_t kMaxTokenId = int64_t{1} << 25;

struct Vocab {
  StringIdMap ids;
  std::vector<std::string> tokens; // by id; empty string where an id is unused
};

// Throws std::invalid_argument naming `model` when `json` is not a {string: id} object.
Vocab read_vocab_object(JsonRef json, std::string_view model);

} // namespace mlxcpp::tokenizer::detail
