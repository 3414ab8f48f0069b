// Pre-tokenizers: ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, Punctuation,
// Digits, BertPreTokenizer, CharDelimiterSplit, Sequence (UnicodeScripts: unicode_scripts.cpp).
#include <stdexcept>

#include "tokenizer/byte_level.h"
#include "tokenizer/components.h"
#include "tokenizer/regex.h"
#include "tokenizer/split_behavior.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

std::unique_ptr<PreTokenizer> make_unicode_scripts_pre_tokenizer();

namespace {

// Each code point for which `pred` holds is a match of its own, as HF's char patterns are.
template <class Pred>
void char_segments(std::string_view text, Pred&& pred, std::vector<Segment>& out) {
  std::vector<std::pair<size_t, size_t>> matches;
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    if (pred(next_code_point(text, i))) {
      matches.emplace_back(start, i);
    }
  }
  segments_from_matches(text.size(), matches, false, out);
}

template <class Pred>
void split_on_chars(Pieces& pieces, Pred pred, SplitBehavior behavior) {
  std::vector<Segment> segments;
  split_pieces(pieces, [&](std::string_view text, auto& out) {
    char_segments(text, pred, segments);
    apply_split_behavior(segments, behavior, out);
  });
}

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevel : public PreTokenizer {
public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) {
      regex_ = std::make_unique<Regex>(kGpt2Pattern);
    }
  }

  void pre_tokenize(Pieces& pieces) const override {
    if (add_prefix_space_) {
      for (Piece& p : pieces) {
        if (p.id < 0 && !p.text.empty() && p.text[0] != ' ') {
          p.text.insert(0, 1, ' ');
        }
      }
    }
    if (regex_) {
      std::vector<std::pair<size_t, size_t>> matches;
      std::vector<Segment> segments;
      split_pieces(pieces, [&](std::string_view text, auto& out) {
        regex_->find_all(text, matches);
        segments_from_matches(text.size(), matches, false, segments);
        apply_split_behavior(segments, SplitBehavior::Isolated, out);
      });
    }
    std::string mapped;
    for (Piece& p : pieces) {
      if (p.id < 0) {
        mapped.clear();
        append_byte_level(mapped, p.text);
        p.text.swap(mapped);
      }
    }
  }

private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class Split : public PreTokenizer {
public:
  Split(JsonRef pattern, SplitBehavior behavior, bool invert)
      : behavior_(behavior), invert_(invert) {
    if (auto s = pattern.get("String")) {
      regex_ = std::make_unique<Regex>(regex_escape(s->as_string("Split pattern")));
    } else if (auto r = pattern.get("Regex")) {
      regex_ = std::make_unique<Regex>(std::string(r->as_string("Split pattern")));
    } else {
      throw std::invalid_argument("[tokenizer] Split pattern needs String or Regex");
    }
  }

  void pre_tokenize(Pieces& pieces) const override {
    std::vector<std::pair<size_t, size_t>> matches;
    std::vector<Segment> segments;
    split_pieces(pieces, [&](std::string_view text, auto& out) {
      regex_->find_all(text, matches);
      segments_from_matches(text.size(), matches, invert_, segments);
      apply_split_behavior(segments, behavior_, out);
    });
  }

private:
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { Always, First, Never };

class Metaspace : public PreTokenizer {
public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {
    size_t i = 0;
    replacement_cp_ = replacement_.empty() ? 0 : next_code_point(replacement_, i);
  }

  void pre_tokenize(Pieces& pieces) const override {
    for (Piece& p : pieces) {
      if (p.id >= 0) {
        continue;
      }
      if (p.text.find(' ') != std::string::npos) {
        std::string out;
        out.reserve(p.text.size() + 8);
        for (char c : p.text) {
          if (c == ' ') {
            out += replacement_;
          } else {
            out += c;
          }
        }
        p.text = std::move(out);
      }
      bool starts = p.text.compare(0, replacement_.size(), replacement_) == 0;
      if (!starts &&
          (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && p.at_start))) {
        p.text.insert(0, replacement_);
      }
    }
    if (split_) {
      uint32_t rep = replacement_cp_;
      split_on_chars(
          pieces, [rep](uint32_t cp) { return cp == rep; }, SplitBehavior::MergedWithNext);
    }
  }

private:
  std::string replacement_;
  uint32_t replacement_cp_;
  PrependScheme scheme_;
  bool split_;
};

// \w+|[^\w\s]+ with Rust regex's Unicode classes, which differ from PCRE2's (\w takes marks
// but not No digits such as '²').
class Whitespace : public PreTokenizer {
public:
  void pre_tokenize(Pieces& pieces) const override {
    split_pieces(pieces, [](std::string_view text, auto& out) {
      size_t i = 0;
      while (i < text.size()) {
        size_t start = i;
        uint32_t cp = next_code_point(text, i);
        if (is_whitespace(cp)) {
          continue;
        }
        bool word = is_word_char(cp);
        size_t end = i;
        while (end < text.size()) {
          size_t next = end;
          uint32_t c = next_code_point(text, next);
          if (word ? !is_word_char(c) : (is_word_char(c) || is_whitespace(c))) {
            break;
          }
          end = next;
        }
        out.emplace_back(start, end);
        i = end;
      }
    });
  }
};

class WhitespaceSplit : public PreTokenizer {
public:
  void pre_tokenize(Pieces& pieces) const override {
    split_on_chars(pieces, is_whitespace, SplitBehavior::Removed);
  }
};

class Punctuation : public PreTokenizer {
public:
  explicit Punctuation(SplitBehavior behavior) : behavior_(behavior) {}
  void pre_tokenize(Pieces& pieces) const override {
    split_on_chars(pieces, is_punctuation, behavior_);
  }

private:
  SplitBehavior behavior_;
};

class BertPreTokenizer : public PreTokenizer {
public:
  void pre_tokenize(Pieces& pieces) const override {
    split_on_chars(pieces, is_whitespace, SplitBehavior::Removed);
    split_on_chars(pieces, is_punctuation, SplitBehavior::Isolated);
  }
};

class Digits : public PreTokenizer {
public:
  explicit Digits(bool individual) : individual_(individual) {}
  void pre_tokenize(Pieces& pieces) const override {
    split_on_chars(pieces, is_numeric,
                   individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }

private:
  bool individual_;
};

class CharDelimiterSplit : public PreTokenizer {
public:
  explicit CharDelimiterSplit(uint32_t delimiter) : delimiter_(delimiter) {}
  void pre_tokenize(Pieces& pieces) const override {
    uint32_t d = delimiter_;
    split_on_chars(
        pieces, [d](uint32_t cp) { return cp == d; }, SplitBehavior::Removed);
  }

private:
  uint32_t delimiter_;
};

class Sequence : public PreTokenizer {
public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(Pieces& pieces) const override {
    for (const auto& step : steps_) {
      step->pre_tokenize(pieces);
    }
  }

private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

PrependScheme parse_prepend_scheme(JsonRef json) {
  if (auto scheme = json.get("prepend_scheme")) {
    auto name = scheme->as_string("prepend_scheme");
    if (name == "always") {
      return PrependScheme::Always;
    }
    if (name == "first") {
      return PrependScheme::First;
    }
    if (name == "never") {
      return PrependScheme::Never;
    }
    throw std::invalid_argument("[tokenizer] unknown Metaspace prepend_scheme '" +
                                std::string(name) + "'");
  }
  // Files written before prepend_scheme existed say add_prefix_space.
  return json.get_bool("add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
}

} // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(JsonRef json) {
  auto type = component_type(json, "pre_tokenizer");
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(json.get_bool("add_prefix_space", true),
                                       json.get_bool("use_regex", true));
  }
  if (type == "Split") {
    auto pattern = json.get("pattern");
    if (!pattern) {
      throw std::invalid_argument("[tokenizer] Split pre-tokenizer without a pattern");
    }
    return std::make_unique<Split>(*pattern,
                                   parse_split_behavior(json.get_string("behavior", "Isolated")),
                                   json.get_bool("invert", false));
  }
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(json.get_string("replacement", "\xE2\x96\x81"),
                                       parse_prepend_scheme(json), json.get_bool("split", true));
  }
  if (type == "Whitespace") {
    return std::make_unique<Whitespace>();
  }
  if (type == "WhitespaceSplit") {
    return std::make_unique<WhitespaceSplit>();
  }
  if (type == "Punctuation") {
    return std::make_unique<Punctuation>(
        parse_split_behavior(json.get_string("behavior", "Isolated")));
  }
  if (type == "BertPreTokenizer") {
    return std::make_unique<BertPreTokenizer>();
  }
  if (type == "Digits") {
    return std::make_unique<Digits>(json.get_bool("individual_digits", false));
  }
  if (type == "UnicodeScripts") {
    return make_unicode_scripts_pre_tokenizer();
  }
  if (type == "CharDelimiterSplit") {
    std::string delimiter = json.get_string("delimiter", "");
    size_t i = 0;
    if (delimiter.empty()) {
      throw std::invalid_argument("[tokenizer] CharDelimiterSplit without a delimiter");
    }
    return std::make_unique<CharDelimiterSplit>(next_code_point(delimiter, i));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    if (auto list = json.get("pretokenizers")) {
      for (size_t i = 0; i < list->size(); ++i) {
        steps.push_back(make_pre_tokenizer((*list)[i]));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::invalid_argument("[tokenizer] unknown pre_tokenizer type '" + std::string(type) + "'");
}

} // namespace mlxcpp::tokenizer::detail
