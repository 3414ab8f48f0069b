// The Precompiled normalizer: SentencePiece's precompiled_charsmap, a double-array trie over
// UTF-8 bytes whose leaves point into a blob of NUL-terminated replacement strings. Applied per
// grapheme cluster the way Hugging Face applies it (whole cluster first when it is short, else
// code point by code point), since that is what sentencepiece-converted models were checked
// against.
#include <utf8proc.h>

#include <cstring>
#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

namespace {

std::string base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+') {
      return 62;
    }
    if (c == '/') {
      return 63;
    }
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') {
      break;
    }
    int v = value(c);
    if (v < 0) {
      throw std::invalid_argument("[tokenizer] precompiled_charsmap is not valid base64");
    }
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

class Precompiled : public Normalizer {
public:
  explicit Precompiled(const std::string& blob) {
    if (blob.empty()) {
      return; // some converted models carry an empty map: normalize nothing
    }
    if (blob.size() < 4) {
      throw std::invalid_argument("[tokenizer] precompiled_charsmap is too short");
    }
    uint32_t trie_bytes;
    std::memcpy(&trie_bytes, blob.data(), 4);
    if (trie_bytes % 4 != 0 || 4 + static_cast<size_t>(trie_bytes) > blob.size() ||
        trie_bytes == 0) {
      throw std::invalid_argument("[tokenizer] precompiled_charsmap has a bad trie size");
    }
    units_.resize(trie_bytes / 4);
    std::memcpy(units_.data(), blob.data() + 4, trie_bytes);
    normalized_ = blob.substr(4 + trie_bytes);
  }

  void normalize(std::string& text) const override {
    if (units_.empty()) {
      return;
    }
    std::string out;
    out.reserve(text.size());
    bool modified = false;
    size_t i = 0;
    while (i < text.size()) {
      size_t end = grapheme_end(text, i);
      std::string_view grapheme(text.data() + i, end - i);
      std::string_view norm;
      if (grapheme.size() < 6 && transform(grapheme, norm)) {
        out += norm;
        modified = true;
      } else {
        for (size_t k = 0; k < grapheme.size();) {
          size_t len = utf8_length(static_cast<unsigned char>(grapheme[k]));
          std::string_view part = grapheme.substr(k, len);
          if (transform(part, norm)) {
            out += norm;
            modified = true;
          } else {
            out += part;
          }
          k += len;
        }
      }
      i = end;
    }
    if (modified) {
      text = std::move(out);
    }
  }

private:
  static bool has_leaf(uint32_t u) { return ((u >> 8) & 1) == 1; }
  static uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
  static uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
  static uint32_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

  // The replacement of the shortest trie key that prefixes `key`, as SentencePiece's
  // common-prefix search returns first.
  bool transform(std::string_view key, std::string_view& norm) const {
    size_t pos = offset(units_[0]);
    for (char ch : key) {
      auto c = static_cast<unsigned char>(ch);
      if (c == 0) {
        return false;
      }
      pos ^= c;
      if (pos >= units_.size() || label(units_[pos]) != c) {
        return false;
      }
      uint32_t unit = units_[pos];
      pos ^= offset(unit);
      if (has_leaf(unit)) {
        if (pos >= units_.size()) {
          return false;
        }
        size_t start = value(units_[pos]);
        if (start >= normalized_.size()) {
          return false;
        }
        size_t stop = normalized_.find('\0', start);
        norm = std::string_view(normalized_)
                   .substr(start, (stop == std::string::npos ? normalized_.size() : stop) - start);
        return true;
      }
    }
    return false;
  }

  static size_t grapheme_end(std::string_view s, size_t i) {
    utf8proc_int32_t state = 0;
    size_t k = i;
    auto first = static_cast<utf8proc_int32_t>(next_code_point(s, k));
    utf8proc_int32_t prev = first;
    while (k < s.size()) {
      size_t next = k;
      auto cp = static_cast<utf8proc_int32_t>(next_code_point(s, next));
      if (utf8proc_grapheme_break_stateful(prev, cp, &state)) {
        break;
      }
      prev = cp;
      k = next;
    }
    return k;
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};

} // namespace

std::unique_ptr<Normalizer> make_precompiled_normalizer(JsonRef json) {
  auto map = json.get("precompiled_charsmap");
  if (!map) {
    throw std::invalid_argument("[tokenizer] Precompiled normalizer without precompiled_charsmap");
  }
  return std::make_unique<Precompiled>(base64_decode(map->as_string("precompiled_charsmap")));
}

} // namespace mlxcpp::tokenizer::detail
