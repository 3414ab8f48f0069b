// WordPiece (BERT): greedy longest-match-first from the left, continuation pieces carrying a
// prefix ("##"); a word with any unmatched part becomes one unknown token.
#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab_loading.h"

namespace mlxcpp::tokenizer::detail {

namespace {

class WordPiece : public Model {
public:
  explicit WordPiece(JsonRef json) {
    auto vocab = json.get("vocab");
    if (!vocab) {
      throw std::invalid_argument("[tokenizer] WordPiece model without a vocab");
    }
    vocab_ = read_vocab_object(*vocab, "WordPiece");
    unk_token_ = json.get_string("unk_token", "[UNK]");
    prefix_ = json.get_string("continuing_subword_prefix", "##");
    if (auto max = json.get("max_input_chars_per_word")) {
      max_chars_ = static_cast<size_t>(max->as_int("max_input_chars_per_word"));
    }
  }

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override {
    size_t chars = 0;
    for (char c : word) {
      chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }
    if (chars > max_chars_) {
      ids.push_back(unk_id());
      return;
    }
    size_t first = ids.size();
    std::string candidate;
    for (size_t start = 0; start < word.size();) {
      size_t end = word.size();
      const int32_t* found = nullptr;
      while (start < end) {
        candidate.clear();
        if (start > 0) {
          candidate += prefix_;
        }
        candidate.append(word.substr(start, end - start));
        if ((found = vocab_.ids.find(candidate))) {
          break;
        }
        // Drop the last character of the candidate.
        do {
          --end;
        } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
      }
      if (!found) {
        ids.resize(first);
        ids.push_back(unk_id());
        return;
      }
      ids.push_back(*found);
      start = end;
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
  int32_t unk_id() const {
    if (auto id = vocab_.ids.find(unk_token_)) {
      return *id;
    }
    throw std::runtime_error("[tokenizer] WordPiece unk_token '" + unk_token_ +
                             "' is not in the vocab");
  }

  Vocab vocab_;
  std::string unk_token_, prefix_;
  size_t max_chars_ = 100;
};

} // namespace

std::unique_ptr<Model> make_wordpiece_model(JsonRef json) {
  return std::make_unique<WordPiece>(json);
}

} // namespace mlxcpp::tokenizer::detail
