// Turns generated ids into text as they arrive. Each piece it returns is valid UTF-8: bytes of a
// character split across tokens are held back until the character is complete, and the pieces
// concatenate to what decoding all the ids at once gives.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mlxcpp/tokenizer/tokenizer.h"

namespace mlxcpp::tokenizer {

class StreamingDetokenizer {
public:
  explicit StreamingDetokenizer(Tokenizer tokenizer, bool skip_special_tokens = true);

  // Adds one id and returns the text that became final (possibly empty).
  std::string push(int32_t id);
  // Returns what is still held back; a character left incomplete comes out as U+FFFD, as a
  // full decode would show it. The detokenizer is then empty again.
  std::string finish();
  void reset();

private:
  std::string decode_from(size_t first) const;

  Tokenizer tokenizer_;
  bool skip_special_tokens_;
  std::vector<int32_t> ids_;
  // Decoding restarts a few tokens back (prefix_) so that decoders that treat the first token
  // specially (a stripped leading space) see the same context for old and new text.
  size_t prefix_ = 0;
  size_t read_ = 0;
};

} // namespace mlxcpp::tokenizer
