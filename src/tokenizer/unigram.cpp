// Unigram (SentencePiece): the segmentation with the highest total log-probability, found by
// Viterbi over every vocabulary piece that starts at each character; characters no piece
// covers score as unknown (min score - 10) and adjacent unknowns fuse into one.
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/flat_maps.h"
#include "tokenizer/unicode.h"
#include "tokenizer/word_cache.h"

namespace mlxcpp::tokenizer::detail {

namespace {

constexpr double kUnkPenalty = 10.0;

class Unigram : public Model {
public:
  explicit Unigram(JsonRef json) {
    auto vocab = json.get("vocab");
    if (!vocab || !vocab->is_array()) {
      throw std::invalid_argument("[tokenizer] Unigram vocab should be an array of [piece, score]");
    }
    size_t n = vocab->size();
    ids_.reserve(n);
    tokens_.reserve(n);
    scores_.reserve(n);
    trie_.reserve(n * 4);
    nodes_.push_back(-1);
    min_score_ = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < n; ++i) {
      JsonRef entry = (*vocab)[i];
      if (!entry.is_array() || entry.size() != 2) {
        throw std::invalid_argument("[tokenizer] Unigram vocab entry " + std::to_string(i) +
                                    " should be [piece, score]");
      }
      auto piece = entry[0].as_string("Unigram piece");
      double score = entry[1].as_number("Unigram score");
      auto id = static_cast<int32_t>(i);
      ids_.insert_or_assign(piece, id);
      tokens_.emplace_back(piece);
      scores_.push_back(score);
      min_score_ = std::min(min_score_, score);
      add_to_trie(piece, id);
    }
    if (auto unk = json.get("unk_id")) {
      unk_id_ = static_cast<int32_t>(unk->as_int("unk_id"));
      if (unk_id_ < 0 || static_cast<size_t>(unk_id_) >= n) {
        throw std::invalid_argument("[tokenizer] Unigram unk_id is out of the vocab");
      }
    }
    byte_fallback_ = json.get_bool("byte_fallback", false);
    fuse_unk_ = true;
  }

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override {
    if (word.empty() || cache_.lookup(word, ids)) {
      return;
    }
    size_t first = ids.size();
    encode(word, ids);
    cache_.store(word, ids.data() + first, ids.size() - first);
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (auto id = ids_.find(token)) {
      return *id;
    }
    return std::nullopt;
  }

  std::optional<std::string_view> id_to_token(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) {
      return std::nullopt;
    }
    return tokens_[id];
  }

  size_t vocab_size() const override { return tokens_.size(); }

private:
  void add_to_trie(std::string_view piece, int32_t id) {
    int32_t node = 0;
    for (char c : piece) {
      auto byte = static_cast<unsigned char>(c);
      const auto* child = trie_.find(node, byte);
      if (child) {
        node = child->id;
      } else {
        auto next = static_cast<int32_t>(nodes_.size());
        nodes_.push_back(-1);
        trie_.insert_or_assign(node, byte, {0, next});
        node = next;
      }
    }
    nodes_[node] = id; // a piece listed twice keeps its last id, like the reference's map
  }

  struct Best {
    double score = 0;
    int32_t start = -1;
    int32_t id = -1;
  };

  void encode(std::string_view s, std::vector<int32_t>& ids) const {
    const double unk_score = min_score_ - kUnkPenalty;
    std::vector<Best> best(s.size() + 1);
    best[0].start = 0;
    for (size_t start = 0; start < s.size();) {
      size_t char_len = utf8_length(static_cast<unsigned char>(s[start]));
      char_len = std::min(char_len, s.size() - start);
      double base = best[start].score;
      bool single = false;
      int32_t node = 0;
      for (size_t k = start; k < s.size(); ++k) {
        const auto* child = trie_.find(node, static_cast<unsigned char>(s[k]));
        if (!child) {
          break;
        }
        node = child->id;
        int32_t id = nodes_[node];
        if (id < 0) {
          continue;
        }
        size_t end = k + 1;
        double candidate = base + scores_[id];
        Best& target = best[end];
        if (target.start < 0 || candidate > target.score) {
          target = {candidate, static_cast<int32_t>(start), id};
        }
        single = single || end - start == char_len;
      }
      if (!single) {
        if (unk_id_ < 0) {
          throw std::runtime_error("[tokenizer] Unigram found an unknown piece but has no unk_id");
        }
        Best& target = best[start + char_len];
        double candidate = base + unk_score;
        if (target.start < 0 || candidate > target.score) {
          target = {candidate, static_cast<int32_t>(start), unk_id_};
        }
      }
      start += char_len;
    }
    // Walk back; runs of unknowns fuse into one piece.
    std::vector<std::pair<size_t, size_t>> pieces; // last piece first
    bool in_unknown_run = false;
    for (size_t end = s.size(); end > 0;) {
      const Best& node = best[end];
      auto begin = static_cast<size_t>(node.start);
      bool unknown = fuse_unk_ && node.id == unk_id_;
      if (unknown && in_unknown_run) {
        pieces.back().first = begin;
      } else {
        pieces.emplace_back(begin, end);
      }
      in_unknown_run = unknown;
      end = begin;
    }
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
      emit(s.substr(it->first, it->second - it->first), ids);
    }
  }

  void emit(std::string_view piece, std::vector<int32_t>& ids) const {
    if (auto id = ids_.find(piece)) {
      ids.push_back(*id);
      return;
    }
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      char name[8];
      for (char c : piece) {
        std::snprintf(name, sizeof(name), "<0x%02X>", static_cast<unsigned char>(c));
        auto id = ids_.find(name);
        if (!id) {
          bytes.clear();
          break;
        }
        bytes.push_back(*id);
      }
      if (!bytes.empty()) {
        ids.insert(ids.end(), bytes.begin(), bytes.end());
        return;
      }
    }
    if (unk_id_ < 0) {
      throw std::runtime_error("[tokenizer] Unigram piece not in the vocab and no unk_id");
    }
    ids.push_back(unk_id_);
  }

  StringIdMap ids_;
  std::vector<std::string> tokens_;
  std::vector<double> scores_;
  MergeMap trie_;              // (node, byte) -> child node
  std::vector<int32_t> nodes_; // node -> piece id ending there, or -1
  double min_score_;
  int32_t unk_id_ = -1;
  bool byte_fallback_ = false;
  bool fuse_unk_ = true;
  WordCache cache_;
};

} // namespace

std::unique_ptr<Model> make_unigram_model(JsonRef json) {
  return std::make_unique<Unigram>(json);
}

} // namespace mlxcpp::tokenizer::detail
