#include "tokenizer/byte_level.h"

#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

const ByteLevelTable& byte_level_table() {
  static const ByteLevelTable table = [] {
    ByteLevelTable t;
    t.char_to_byte.fill(-1);
    // Printable bytes stand for themselves; the others take code points from 256 upwards.
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      int cp = printable(b) ? b : next++;
      t.byte_to_text[b].clear();
      append_utf8(t.byte_to_text[b], static_cast<uint32_t>(cp));
      t.char_to_byte[cp] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return table;
}

void append_byte_level(std::string& out, std::string_view text) {
  const auto& t = byte_level_table();
  for (char c : text) {
    out += t.byte_to_text[static_cast<unsigned char>(c)];
  }
}

bool byte_level_to_bytes(std::string_view token, std::string& out) {
  const auto& t = byte_level_table();
  size_t mark = out.size();
  for (size_t i = 0; i < token.size();) {
    uint32_t cp = next_code_point(token, i);
    if (cp >= t.char_to_byte.size() || t.char_to_byte[cp] < 0) {
      out.resize(mark);
      return false;
    }
    out += static_cast<char>(t.char_to_byte[cp]);
  }
  return true;
}

} // namespace mlxcpp::tokenizer::detail
