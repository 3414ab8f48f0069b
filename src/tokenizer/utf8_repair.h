// UTF-8 validation and lossy repair with the "maximal subpart" rule (each maximal invalid
// prefix of a would-be sequence becomes one U+FFFD), which is what Rust's
// String::from_utf8_lossy and therefore Hugging Face's decoders produce.
#pragma once

#include <string>
#include <string_view>

namespace mlxcpp::tokenizer::detail {

// Length of the valid UTF-8 sequence at s[i], or 0 with `consumed` set to the length of the
// maximal invalid subpart to replace.
size_t valid_sequence_length(std::string_view s, size_t i, size_t& consumed);

bool is_valid_utf8(std::string_view s);
std::string repair_utf8(std::string_view s);

} // namespace mlxcpp::tokenizer::detail
