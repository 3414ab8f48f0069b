// Stop strings for streamed text (generate --stop): text is held back while it could still grow
// into a stop string, and cut before the first one.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace mlxcpp::cli {

// Emits text up to (not including) the earliest stop string; reports whether one matched.
class StopStrings {
public:
  explicit StopStrings(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  // Adds text; returns the part that is safe to show, and sets `stopped` on a match.
  std::string push(const std::string& piece, bool& stopped) {
    pending_ += piece;
    size_t cut = std::string::npos;
    for (const auto& s : stops_) {
      if (!s.empty()) {
        cut = std::min(cut, pending_.find(s));
      }
    }
    if (cut != std::string::npos) {
      stopped = true;
      auto out = pending_.substr(0, cut);
      pending_.clear();
      return out;
    }
    // Hold back a tail that could still grow into a stop string.
    size_t keep = 0;
    for (const auto& s : stops_) {
      for (size_t n = std::min(s.size() - (s.empty() ? 0 : 1), pending_.size()); n > keep; --n) {
        if (pending_.compare(pending_.size() - n, n, s, 0, n) == 0) {
          keep = n;
          break;
        }
      }
    }
    auto out = pending_.substr(0, pending_.size() - keep);
    pending_.erase(0, pending_.size() - keep);
    return out;
  }
  std::string flush() { return std::exchange(pending_, {}); }

private:
  std::vector<std::string> stops_;
  std::string pending_;
};

} // namespace mlxcpp::cli
