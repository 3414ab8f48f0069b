// Hugging Face's SplitDelimiterBehavior: how the matches of a pattern cut a string.
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace mlxcpp::tokenizer::detail {

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

SplitBehavior parse_split_behavior(std::string_view name);

// A segment of the input and whether the pattern matched it; segments tile the input.
struct Segment {
  size_t begin, end;
  bool is_match;
};

// Tiles `length` bytes with the given match ranges (sorted, non-overlapping).
void segments_from_matches(size_t length, const std::vector<std::pair<size_t, size_t>>& matches,
                           bool invert, std::vector<Segment>& out);

// Appends to `out` the byte ranges the behavior keeps.
void apply_split_behavior(const std::vector<Segment>& segments, SplitBehavior behavior,
                          std::vector<std::pair<size_t, size_t>>& out);

} // namespace mlxcpp::tokenizer::detail
