// UTF-8 and Unicode property helpers shared by the tokenizer's stages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlxcpp::tokenizer::detail {

// Writes the UTF-8 form of `cp` into `out` (4 bytes of room) and returns its length.
size_t encode_utf8(uint32_t cp, char* out);
void append_utf8(std::string& out, uint32_t cp);

// Decodes the code point at `s[i]` and advances `i`. Invalid bytes decode as U+FFFD, one byte
// at a time, so that every input makes progress.
uint32_t next_code_point(std::string_view s, size_t& i);

// Length of the UTF-8 sequence that starts with byte `b` (1 for stray continuation bytes).
inline size_t utf8_length(unsigned char b) {
  if (b < 0x80) {
    return 1;
  }
  if ((b & 0xE0) == 0xC0) {
    return 2;
  }
  if ((b & 0xF0) == 0xE0) {
    return 3;
  }
  if ((b & 0xF8) == 0xF0) {
    return 4;
  }
  return 1;
}

// Rust's char predicates, which Hugging Face tokenizers use.
bool is_whitespace(uint32_t cp);      // White_Space property
bool is_punctuation(uint32_t cp);     // ASCII punctuation or general category P*
bool is_numeric(uint32_t cp);         // Nd, Nl, No
bool is_mark(uint32_t cp);            // general category M*
bool is_mark_nonspacing(uint32_t cp); // Mn
bool is_cjk(uint32_t cp);             // CJK ideograph blocks as BERT defines them
bool is_word_char(uint32_t cp);       // regex \w: alphanumeric, marks, connector punctuation

// Unicode case mapping of one code point into `out`, as Rust's char::to_lowercase.
void append_lowercase(std::string& out, uint32_t cp);
void append_uppercase(std::string& out, uint32_t cp);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
std::string normalize_unicode(std::string_view s, NormalForm form);

} // namespace mlxcpp::tokenizer::detail
