// Byte-pair encoding. A word starts as one symbol per character (or per byte through
// byte_fallback) and the lowest-ranked adjacent pair is merged until none is left, exactly as
// Hugging Face orders it: a min-heap on (rank, position) over a linked list of symbols.
#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/flat_maps.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab_loading.h"
#include "tokenizer/word_cache.h"

namespace mlxcpp::tokenizer::detail {

namespace {

struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  uint32_t len; // bytes of the word it covers; 0 once merged into its left neighbour
};

struct Candidate {
  uint32_t rank;
  int32_t pos;
  int32_t new_id;
  // std::push_heap builds a max-heap: invert so the lowest (rank, pos) comes out first.
  bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
};

class Bpe : public Model {
public:
  explicit Bpe(JsonRef json) {
    auto vocab = json.get("vocab");
    if (!vocab) {
      throw std::invalid_argument("[tokenizer] BPE model without a vocab");
    }
    Vocab v = read_vocab_object(*vocab, "BPE");
    vocab_ = std::move(v.ids);
    tokens_ = std::move(v.tokens);
    unk_token_ = json.get_optional_string("unk_token");
    prefix_ = json.get_string("continuing_subword_prefix", "");
    suffix_ = json.get_string("end_of_word_suffix", "");
    fuse_unk_ = json.get_bool("fuse_unk", false);
    byte_fallback_ = json.get_bool("byte_fallback", false);
    ignore_merges_ = json.get_bool("ignore_merges", false);
    if (auto dropout = json.get("dropout"); dropout && dropout->as_number("dropout") > 0) {
      throw std::invalid_argument("[tokenizer] BPE dropout is not supported for inference");
    }
    read_merges(json);
    byte_ids_.fill(-1);
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      if (auto id = vocab_.find(name)) {
        byte_ids_[b] = *id;
      }
    }
    // Single characters below U+0800 (all of byte-level BPE's alphabet) skip the hash map.
    if (prefix_.empty() && suffix_.empty()) {
      char_ids_.assign(0x800, -1);
      for (uint32_t cp = 0; cp < 0x800; ++cp) {
        std::string s;
        append_utf8(s, cp);
        if (auto id = vocab_.find(s)) {
          char_ids_[cp] = *id;
        }
      }
    }
  }

  void tokenize(std::string_view word, std::vector<int32_t>& ids) const override {
    if (word.empty()) {
      return;
    }
    if (ignore_merges_) {
      if (auto id = vocab_.find(word)) {
        ids.push_back(*id);
        return;
      }
    }
    if (cache_.lookup(word, ids)) {
      return;
    }
    size_t first = ids.size();
    merge_word(word, ids);
    cache_.store(word, ids.data() + first, ids.size() - first);
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    if (auto id = vocab_.find(token)) {
      return *id;
    }
    return std::nullopt;
  }

  std::optional<std::string_view> id_to_token(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size() || tokens_[id].empty()) {
      return std::nullopt;
    }
    return tokens_[id];
  }

  size_t vocab_size() const override { return vocab_.size(); }

private:
  void read_merges(JsonRef json) {
    auto merges = json.get("merges");
    if (!merges) {
      return;
    }
    if (!merges->is_array()) {
      throw std::invalid_argument("[tokenizer] BPE merges should be an array");
    }
    merges_.reserve(merges->size());
    std::string joined;
    for (size_t rank = 0; rank < merges->size(); ++rank) {
      JsonRef m = (*merges)[rank];
      std::string_view a, b;
      if (m.is_string()) {
        auto line = m.as_string();
        size_t space = line.find(' ');
        if (space == std::string_view::npos ||
            line.find(' ', space + 1) != std::string_view::npos) {
          throw std::invalid_argument("[tokenizer] BPE merge " + std::to_string(rank + 1) +
                                      " is not two tokens separated by a space: '" +
                                      std::string(line) + "'");
        }
        a = line.substr(0, space);
        b = line.substr(space + 1);
      } else if (m.is_array() && m.size() == 2) {
        a = m[0].as_string("merge token");
        b = m[1].as_string("merge token");
      } else {
        throw std::invalid_argument("[tokenizer] BPE merge " + std::to_string(rank + 1) +
                                    " should be \"a b\" or [a, b]");
      }
      const int32_t* left = vocab_.find(a);
      const int32_t* right = vocab_.find(b);
      if (!left || !right) {
        throw std::invalid_argument("[tokenizer] BPE merge token not in the vocab: '" +
                                    std::string(left ? b : a) + "'");
      }
      std::string_view tail = b;
      if (!prefix_.empty() && tail.size() >= prefix_.size() &&
          tail.compare(0, prefix_.size(), prefix_) == 0) {
        tail.remove_prefix(prefix_.size());
      }
      joined.assign(a);
      joined.append(tail);
      const int32_t* merged = vocab_.find(joined);
      if (!merged) {
        throw std::invalid_argument("[tokenizer] BPE merge result not in the vocab: '" + joined +
                                    "'");
      }
      merges_.insert_or_assign(*left, *right, {static_cast<uint32_t>(rank), *merged});
    }
  }

  const int32_t* char_id(std::string_view word, size_t begin, size_t end, uint32_t cp,
                         std::string& scratch) const {
    bool first = begin == 0, last = end == word.size();
    if (!char_ids_.empty()) {
      if (cp < char_ids_.size()) {
        return char_ids_[cp] >= 0 ? &char_ids_[cp] : nullptr;
      }
      return vocab_.find(word.substr(begin, end - begin));
    }
    scratch.clear();
    if (!first) {
      scratch += prefix_;
    }
    scratch.append(word.substr(begin, end - begin));
    if (last) {
      scratch += suffix_;
    }
    return vocab_.find(scratch);
  }

  void merge_word(std::string_view word, std::vector<int32_t>& ids) const {
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<Candidate> heap;
    thread_local std::string scratch;
    symbols.clear();
    heap.clear();
    auto add = [](int32_t id, uint32_t len) {
      auto n = static_cast<int32_t>(symbols.size());
      if (n > 0) {
        symbols.back().next = n;
      }
      symbols.push_back(Symbol{id, n - 1, -1, len});
    };

    int32_t unk_id = -1;
    uint32_t unk_len = 0;
    for (size_t i = 0; i < word.size();) {
      size_t begin = i;
      uint32_t cp = next_code_point(word, i);
      auto len = static_cast<uint32_t>(i - begin);
      if (const int32_t* id = char_id(word, begin, i, cp, scratch)) {
        if (unk_id >= 0) {
          add(unk_id, unk_len);
          unk_id = -1;
        }
        add(*id, len);
        continue;
      }
      if (byte_fallback_ && fallback_bytes_known(word, begin, i)) {
        for (size_t k = begin; k < i; ++k) {
          add(byte_ids_[static_cast<unsigned char>(word[k])], 1);
        }
        continue;
      }
      if (unk_token_) {
        const int32_t* unk = vocab_.find(*unk_token_);
        if (!unk) {
          throw std::runtime_error("[tokenizer] BPE unk_token '" + *unk_token_ +
                                   "' is not in the vocab");
        }
        if (unk_id >= 0 && fuse_unk_) {
          unk_len += len;
        } else {
          if (unk_id >= 0) {
            add(unk_id, unk_len);
          }
          unk_id = *unk;
          unk_len = len;
        }
      }
    }
    if (unk_id >= 0) {
      add(unk_id, unk_len);
    }

    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      if (const auto* m = merges_.find(symbols[i].id, symbols[i + 1].id)) {
        heap.push_back({m->rank, static_cast<int32_t>(i), m->id});
      }
    }
    std::make_heap(heap.begin(), heap.end());
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      Candidate top = heap.back();
      heap.pop_back();
      Symbol& left = symbols[top.pos];
      if (left.len == 0 || left.next < 0) {
        continue;
      }
      Symbol right = symbols[left.next];
      const auto* m = merges_.find(left.id, right.id);
      if (!m || m->id != top.new_id) {
        continue; // stale: one side merged since this candidate was queued
      }
      int32_t right_pos = left.next;
      left.id = top.new_id;
      left.len += right.len;
      left.next = right.next;
      symbols[right_pos].len = 0;
      if (right.next >= 0) {
        symbols[right.next].prev = top.pos;
      }
      if (left.prev >= 0) {
        if (const auto* pm = merges_.find(symbols[left.prev].id, left.id)) {
          heap.push_back({pm->rank, left.prev, pm->id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
      if (left.next >= 0) {
        if (const auto* nm = merges_.find(left.id, symbols[left.next].id)) {
          heap.push_back({nm->rank, top.pos, nm->id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
    }
    for (const Symbol& s : symbols) {
      if (s.len != 0) {
        ids.push_back(s.id);
      }
    }
  }

  bool fallback_bytes_known(std::string_view word, size_t begin, size_t end) const {
    for (size_t k = begin; k < end; ++k) {
      if (byte_ids_[static_cast<unsigned char>(word[k])] < 0) {
        return false;
      }
    }
    return true;
  }

  StringIdMap vocab_;
  std::vector<std::string> tokens_;
  MergeMap merges_;
  std::optional<std::string> unk_token_;
  std::string prefix_, suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  std::array<int32_t, 256> byte_ids_;
  std::vector<int32_t> char_ids_;
  WordCache cache_;
};

} // namespace

std::unique_ptr<Model> make_bpe_model(JsonRef json) {
  return std::make_unique<Bpe>(json);
}

} // namespace mlxcpp::tokenizer::detail
