// A Hugging Face `tokenizer.json` tokenizer: encode text to ids and decode ids to text with the
// same results as the `tokenizers` library. Cheap to copy (the loaded state is shared and
// immutable) and safe to use from several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlxcpp::tokenizer {

class Tokenizer {
public:
  // Throws std::runtime_error for an unreadable file and std::invalid_argument for content
  // that is not a tokenizer (bad JSON, unknown component type, inconsistent vocab).
  static Tokenizer from_file(const std::filesystem::path& tokenizer_json);
  static Tokenizer from_json(std::string json);

  // `add_special_tokens` applies the post-processor (e.g. a leading BOS). Special tokens that
  // appear in `text` are always recognised, as in Hugging Face's default.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;

  // Encodes on up to `threads` threads (0: one per hardware thread).
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts,
                                                 bool add_special_tokens = true,
                                                 unsigned threads = 0) const;

  // Ids outside the vocabulary are skipped, as the reference does.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = false) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  bool is_special(int32_t id) const;
  // Model vocabulary plus added tokens.
  size_t vocab_size() const;

private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

} // namespace mlxcpp::tokenizer
