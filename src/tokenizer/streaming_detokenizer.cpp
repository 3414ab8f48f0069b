#include "mlxcpp/tokenizer/streaming_detokenizer.h"

#include <algorithm>
#include <span>

namespace mlxcpp::tokenizer {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool ends_with_replacement(const std::string& s) {
  return s.size() >= kReplacement.size() &&
         s.compare(s.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
}

// Where the new piece starts in `text`, the window decoded again with the new id. Normally
// `before` (the window without it) is a prefix of `text`; where a decoder rewrote earlier text
// instead, what was emitted stays emitted and the cut moves to the next character boundary so
// that the piece is valid UTF-8.
size_t emit_start(const std::string& text, const std::string& before) {
  size_t start = std::min(before.size(), text.size());
  while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    ++start;
  }
  return start;
}

} // namespace

StreamingDetokenizer::StreamingDetokenizer(Tokenizer tokenizer, bool skip_special_tokens)
    : tokenizer_(std::move(tokenizer)), skip_special_tokens_(skip_special_tokens) {}

std::string StreamingDetokenizer::decode_from(size_t first) const {
  std::span<const int32_t> all(ids_);
  return tokenizer_.decode(all.subspan(first), skip_special_tokens_);
}

std::string StreamingDetokenizer::push(int32_t id) {
  ids_.push_back(id);
  std::string before = tokenizer_.decode(
      std::span<const int32_t>(ids_).subspan(prefix_, read_ - prefix_), skip_special_tokens_);
  std::string text = decode_from(prefix_);
  // A trailing U+FFFD is a character whose remaining bytes are still to come.
  if (text.size() <= before.size() || ends_with_replacement(text)) {
    return {};
  }
  std::string piece = text.substr(emit_start(text, before));
  prefix_ = read_;
  read_ = ids_.size();
  return piece;
}

std::string StreamingDetokenizer::finish() {
  std::string before = tokenizer_.decode(
      std::span<const int32_t>(ids_).subspan(prefix_, read_ - prefix_), skip_special_tokens_);
  std::string text = decode_from(prefix_);
  std::string piece = text.size() > before.size() ? text.substr(emit_start(text, before)) : "";
  reset();
  return piece;
}

void StreamingDetokenizer::reset() {
  ids_.clear();
  prefix_ = read_ = 0;
}

} // namespace mlxcpp::tokenizer
