// WordLevel: every pre-token is looked up whole, else it is the unknown token.
#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/vocab_loading.h"

namespace mlxcpp::tokenizer::detail {

namespace {

class WordLevel : public Model {
public:
  explicit WordLevel(JsonRef json) {
    auto vocab = json.get("vocab");
    if (!vocab) {
      throw std::invalid_argument("[tokenizer] WordLevel model without a vocab");
    }
    vocab_ = read_vocab_object(*vocab, "WordLevel");
    unk_token_ = json.get_string("unk_token", "<unk>");
  }

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override {
    if (auto id = vocab_.ids.find(word)) {
      ids.push_back(*id);
    } else if (auto unk = vocab_.ids.find(unk_token_)) {
      ids.push_back(*unk);
    } else {
      throw std::runtime_error("[tokenizer] WordLevel: '" + std::string(word) +
                               "' is not in the vocab and unk_token '" + unk_token_ +
                               "' is missing");
    }
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (auto id = vocab_.ids.find(token)) {
      return *id;
    }
    return std::nullopt;
  }

  std::optional<std::string_view> id_to_token(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= vocab_.tokens.size() || vocab_.tokens[id].empty()) {
      return std::nullopt;
    }
    return vocab_.tokens[id];
  }

  size_t vocab_size() const override { return vocab_.ids.size(); }

private:
  Vocab vocab_;
  std::string unk_token_;
};

} // namespace

std::unique_ptr<Model> make_wordlevel_model(JsonRef json) {
  return std::make_unique<WordLevel>(json);
}

} // namespace mlxcpp::tokenizer::detail
