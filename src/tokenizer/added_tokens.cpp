#include "tokenizer/added_tokens.h"

#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

void AddedVocabulary::Trie::add(std::string_view pattern, int32_t token_index) {
  if (pattern.empty()) {
    return;
  }
  int32_t node = 0;
  for (char c : pattern) {
    auto byte = static_cast<unsigned char>(c);
    if (const auto* child = children_.find(node, byte)) {
      node = child->id;
      continue;
    }
    auto next = static_cast<int32_t>(terminal_.size());
    terminal_.push_back(-1);
    children_.insert_or_assign(node, byte, {0, next});
    node = next;
  }
  if (terminal_[node] < 0) {
    terminal_[node] = token_index;
  }
  first_byte_[static_cast<unsigned char>(pattern[0])] = true;
}

bool AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos, size_t& length,
                                       int32_t& index) const {
  if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
    return false;
  }
  int32_t node = 0;
  bool found = false;
  for (size_t k = pos; k < text.size(); ++k) {
    const auto* child = children_.find(node, static_cast<unsigned char>(text[k]));
    if (!child) {
      break;
    }
    node = child->id;
    if (terminal_[node] >= 0) {
      found = true;
      length = k + 1 - pos;
      index = terminal_[node];
    }
  }
  return found;
}

void AddedVocabulary::build(std::vector<AddedToken> tokens, const Normalizer* normalizer) {
  tokens_ = std::move(tokens);
  by_content_ = StringIdMap();
  index_by_id_.clear();
  raw_trie_ = Trie();
  normalized_trie_ = Trie();
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    by_content_.insert_or_assign(t.content, t.id);
    if (t.id >= 0) {
      if (static_cast<size_t>(t.id) >= index_by_id_.size()) {
        index_by_id_.resize(static_cast<size_t>(t.id) + 1, -1);
      }
      index_by_id_[t.id] = static_cast<int32_t>(i);
    }
  }
  // Special tokens take precedence in the tries, then the others, as in the reference.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < tokens_.size(); ++i) {
      const AddedToken& t = tokens_[i];
      if (t.special != (pass == 0)) {
        continue;
      }
      if (!t.normalized) {
        raw_trie_.add(t.content, static_cast<int32_t>(i));
        continue;
      }
      std::string pattern = t.content;
      if (normalizer) {
        normalizer->normalize(pattern);
      }
      normalized_trie_.add(pattern, static_cast<int32_t>(i));
    }
  }
}

namespace {
bool ends_with_word_char(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    --start;
  }
  return is_word_char(next_code_point(s, start));
}

bool starts_with_word_char(std::string_view s) {
  size_t i = 0;
  return !s.empty() && is_word_char(next_code_point(s, i));
}
} // namespace

void AddedVocabulary::find_matches(std::string_view text, const Trie& trie,
                                   std::vector<Match>& out) const {
  out.clear();
  size_t consumed = 0; // end of the last emitted piece
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length;
    int32_t index;
    if (trie.empty() || !trie.longest_at(text, pos, length, index)) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    pos = stop; // matches never overlap, even when this one is discarded below
    const AddedToken& token = tokens_[index];
    if (token.single_word) {
      bool start_ok = start == 0 || !ends_with_word_char(text.substr(0, start));
      bool stop_ok = stop == text.size() || !starts_with_word_char(text.substr(stop));
      if (!start_ok || !stop_ok) {
        continue;
      }
    }
    if (token.lstrip) {
      size_t s = start;
      while (s > 0) {
        size_t prev = s - 1;
        while (prev > 0 && (static_cast<unsigned char>(text[prev]) & 0xC0) == 0x80) {
          --prev;
        }
        size_t i = prev;
        if (!is_whitespace(next_code_point(text, i))) {
          break;
        }
        s = prev;
      }
      start = std::max(s, consumed);
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        size_t i = stop;
        if (!is_whitespace(next_code_point(text, i))) {
          break;
        }
        stop = i;
      }
      pos = stop;
    }
    if (consumed < start) {
      out.push_back({consumed, start, -1});
    }
    out.push_back({start, stop, token.id});
    consumed = stop;
  }
  if (consumed < text.size()) {
    out.push_back({consumed, text.size(), -1});
  }
}

void AddedVocabulary::extract(std::string_view text, const Normalizer* normalizer,
                              Pieces& out) const {
  out.clear();
  std::vector<Match> raw, normalized;
  find_matches(text, raw_trie_, raw);
  for (const Match& m : raw) {
    if (m.id >= 0) {
      out.push_back(Piece{std::string(text.substr(m.begin, m.end - m.begin)), m.id, m.begin == 0});
      continue;
    }
    std::string part(text.substr(m.begin, m.end - m.begin));
    if (normalizer) {
      normalizer->normalize(part);
    }
    find_matches(part, normalized_trie_, normalized);
    for (const Match& n : normalized) {
      if (n.end > n.begin) {
        out.push_back(
            Piece{part.substr(n.begin, n.end - n.begin), n.id, m.begin == 0 && n.begin == 0});
      }
    }
  }
}

const AddedToken* AddedVocabulary::by_id(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= index_by_id_.size() || index_by_id_[id] < 0) {
    return nullptr;
  }
  return &tokens_[index_by_id_[id]];
}

std::optional<int32_t> AddedVocabulary::id_of(std::string_view content) const {
  if (auto id = by_content_.find(content)) {
    return *id;
  }
  return std::nullopt;
}

} // namespace mlxcpp::tokenizer::detail
