#include "tokenizer/vocab_loading.h"

#include <stdexcept>

namespace mlxcpp::tokenizer::detail {

Vocab read_vocab_object(JsonRef json, std::string_view model) {
  if (!json.is_object()) {
    throw std::invalid_argument("[tokenizer] " + std::string(model) +
                                " vocab should be an object of token: id");
  }
  Vocab vocab;
  size_t n = json.size();
  vocab.ids.reserve(n);
  int64_t max_id = -1;
  for (size_t i = 0; i < n; ++i) {
    int64_t id = json.value(i).as_int("vocab id");
    if (id < 0 || id >= kMaxTokenId) {
      throw std::invalid_argument("[tokenizer] " + std::string(model) + " vocab id " +
                                  std::to_string(id) + " is out of range");
    }
    max_id = std::max(max_id, id);
  }
  vocab.tokens.resize(static_cast<size_t>(max_id + 1));
  for (size_t i = 0; i < n; ++i) {
    auto token = json.key(i);
    auto id = static_cast<int32_t>(json.value(i).as_int());
    vocab.ids.insert_or_assign(token, id);
    vocab.tokens[static_cast<size_t>(id)] = std::string(token);
  }
  return vocab;
}

} // namespace mlxcpp::tokenizer::detail
