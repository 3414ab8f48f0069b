// Added tokens (special or not) are cut out of the input before the model sees it, exactly
// where Hugging Face cuts them: leftmost-longest matches, first against the raw text for
// tokens with normalized=false, then against the normalized remainder for the others, honouring
// single_word, lstrip and rstrip.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/flat_maps.h"

namespace mlxcpp::tokenizer::detail {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool normalized = true;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
};

class AddedVocabulary {
public:
  // `normalizer` (may be null) rewrites the patterns of normalized tokens once, up front.
  void build(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Splits `text` into pieces: added tokens resolved to their id, the rest normalized.
  void extract(std::string_view text, const Normalizer* normalizer, Pieces& out) const;

  const AddedToken* by_id(int32_t id) const;
  std::optional<int32_t> id_of(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

private:
  class Trie {
  public:
    void add(std::string_view pattern, int32_t token_index);
    // Longest pattern that starts at text[pos]; returns its length and token index.
    bool longest_at(std::string_view text, size_t pos, size_t& length, int32_t& index) const;
    bool empty() const { return terminal_.size() <= 1; }

  private:
    MergeMap children_;
    std::vector<int32_t> terminal_{-1};
    bool first_byte_[256] = {};
  };

  struct Match {
    size_t begin, end;
    int32_t id; // -1 for text between tokens
  };
  void find_matches(std::string_view text, const Trie& trie, std::vector<Match>& out) const;

  std::vector<AddedToken> tokens_;
  StringIdMap by_content_;
  std::vector<int32_t> index_by_id_; // id -> index into tokens_, or -1
  Trie raw_trie_, normalized_trie_;
};

} // namespace mlxcpp::tokenizer::detail
