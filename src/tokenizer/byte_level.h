// GPT-2's reversible byte <-> printable character mapping used by byte-level BPE.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlxcpp::tokenizer::detail {

struct ByteLevelTable {
  std::array<std::string, 256> byte_to_text; // UTF-8 of the character standing for each byte
  std::array<int16_t, 324> char_to_byte;     // code point (< 324) -> byte, or -1
};

const ByteLevelTable& byte_level_table();

// Appends the byte-level characters for the bytes of `text`.
void append_byte_level(std::string& out, std::string_view text);

// Maps a byte-level token back to bytes. Returns false (leaving `out` untouched) when a
// character of `token` is not in the table.
bool byte_level_to_bytes(std::string_view token, std::string& out);

} // namespace mlxcpp::tokenizer::detail
