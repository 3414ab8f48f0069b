#include "tokenizer/split_behavior.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace mlxcpp::tokenizer::detail {

SplitBehavior parse_split_behavior(std::string_view name) {
  if (name == "Removed" || name == "removed") {
    return SplitBehavior::Removed;
  }
  if (name == "Isolated" || name == "isolated") {
    return SplitBehavior::Isolated;
  }
  if (name == "MergedWithPrevious" || name == "merged_with_previous") {
    return SplitBehavior::MergedWithPrevious;
  }
  if (name == "MergedWithNext" || name == "merged_with_next") {
    return SplitBehavior::MergedWithNext;
  }
  if (name == "Contiguous" || name == "contiguous") {
    return SplitBehavior::Contiguous;
  }
  throw std::invalid_argument("[tokenizer] unknown split behavior '" + std::string(name) + "'");
}

void segments_from_matches(size_t length, const std::vector<std::pair<size_t, size_t>>& matches,
                           bool invert, std::vector<Segment>& out) {
  out.clear();
  if (length == 0) {
    out.push_back({0, 0, invert});
    return;
  }
  size_t prev = 0;
  for (auto [b, e] : matches) {
    if (prev != b) {
      out.push_back({prev, b, invert});
    }
    out.push_back({b, e, !invert});
    prev = e;
  }
  if (prev != length) {
    out.push_back({prev, length, invert});
  }
}

void apply_split_behavior(const std::vector<Segment>& segments, SplitBehavior behavior,
                          std::vector<std::pair<size_t, size_t>>& out) {
  size_t first = out.size();
  bool previous_match = false;
  switch (behavior) {
  case SplitBehavior::Removed:
    for (const auto& s : segments) {
      if (!s.is_match) {
        out.emplace_back(s.begin, s.end);
      }
    }
    return;
  case SplitBehavior::Isolated:
    for (const auto& s : segments) {
      out.emplace_back(s.begin, s.end);
    }
    return;
  case SplitBehavior::MergedWithPrevious:
    for (const auto& s : segments) {
      if (s.is_match && !previous_match && out.size() > first) {
        out.back().second = s.end;
      } else {
        out.emplace_back(s.begin, s.end);
      }
      previous_match = s.is_match;
    }
    return;
  case SplitBehavior::MergedWithNext:
    for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
      if (it->is_match && !previous_match && out.size() > first) {
        out.back().first = it->begin;
      } else {
        out.emplace_back(it->begin, it->end);
      }
      previous_match = it->is_match;
    }
    std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    return;
  case SplitBehavior::Contiguous:
    for (const auto& s : segments) {
      if (s.is_match == previous_match && out.size() > first) {
        out.back().second = s.end;
      } else {
        out.emplace_back(s.begin, s.end);
      }
      previous_match = s.is_match;
    }
    return;
  }
}

} // namespace mlxcpp::tokenizer::detail
