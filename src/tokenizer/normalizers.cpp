// Normalizers: NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents, Replace, Prepend,
// BertNormalizer, Sequence (Precompiled lives in precompiled.cpp).
#include <utf8proc.h>

#include <stdexcept>

#include "tokenizer/components.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

std::unique_ptr<Normalizer> make_precompiled_normalizer(JsonRef json);

namespace {

template <class Predicate>
void remove_code_points(std::string& text, Predicate&& remove) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    uint32_t cp = next_code_point(text, i);
    if (!remove(cp)) {
      out.append(text, start, i - start);
    }
  }
  text = std::move(out);
}

class UnicodeNormalizer : public Normalizer {
public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(std::string& text) const override { text = normalize_unicode(text, form_); }

private:
  NormalForm form_;
};

class Lowercase : public Normalizer {
public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        ++i;
        continue;
      }
      append_lowercase(out, next_code_point(text, i));
    }
    text = std::move(out);
  }
};

class Strip : public Normalizer {
public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        size_t i = begin;
        if (!is_whitespace(next_code_point(text, i))) {
          break;
        }
        begin = i;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
          --start;
        }
        size_t i = start;
        if (!is_whitespace(next_code_point(text, i))) {
          break;
        }
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

private:
  bool left_, right_;
};

class StripAccents : public Normalizer {
public:
  void normalize(std::string& text) const override {
    remove_code_points(text, [](uint32_t cp) { return is_mark(cp); });
  }
};

class Replace : public Normalizer {
public:
  Replace(JsonRef pattern, std::string content) : content_(std::move(content)) {
    if (auto s = pattern.get("String")) {
      literal_ = std::string(s->as_string("Replace pattern"));
      if (literal_.empty()) {
        throw std::invalid_argument("[tokenizer] Replace normalizer with an empty pattern");
      }
    } else if (auto r = pattern.get("Regex")) {
      regex_ = std::make_unique<Regex>(std::string(r->as_string("Replace pattern")));
    } else {
      throw std::invalid_argument("[tokenizer] Replace pattern needs String or Regex");
    }
  }

  void normalize(std::string& text) const override {
    if (!regex_) {
      if (text.find(literal_) == std::string::npos) {
        return;
      }
      std::string out;
      out.reserve(text.size() + text.size() / 4);
      size_t pos = 0;
      for (size_t hit; (hit = text.find(literal_, pos)) != std::string::npos;
           pos = hit + literal_.size()) {
        out.append(text, pos, hit - pos);
        out += content_;
      }
      out.append(text, pos, std::string::npos);
      text = std::move(out);
      return;
    }
    std::vector<std::pair<size_t, size_t>> matches;
    regex_->find_all(text, matches);
    if (matches.empty()) {
      return;
    }
    std::string out;
    size_t pos = 0;
    for (auto [b, e] : matches) {
      out.append(text, pos, b - pos);
      out += content_;
      pos = e;
    }
    out.append(text, pos, std::string::npos);
    text = std::move(out);
  }

private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class Prepend : public Normalizer {
public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) {
      text.insert(0, prefix_);
    }
  }

private:
  std::string prefix_;
};

bool is_bert_other(uint32_t cp) {
  auto c = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  // Unassigned code points (Cn) stay: the reference's category tables predate most of them.
  return c == UTF8PROC_CATEGORY_CC || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_CO ||
         c == UTF8PROC_CATEGORY_CS;
}

class BertNormalizer : public Normalizer {
public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), chinese_(chinese), strip_accents_(strip_accents),
        lowercase_(lowercase) {}

  void normalize(std::string& text) const override {
    if (clean_text_ || chinese_) {
      std::string out;
      out.reserve(text.size());
      for (size_t i = 0; i < text.size();) {
        uint32_t cp = next_code_point(text, i);
        if (clean_text_) {
          bool control = cp != '\t' && cp != '\n' && cp != '\r' && is_bert_other(cp);
          if (cp == 0 || cp == 0xFFFD || control) {
            continue;
          }
          if (is_whitespace(cp)) {
            cp = ' ';
          }
        }
        if (chinese_ && is_cjk(cp)) {
          out += ' ';
          append_utf8(out, cp);
          out += ' ';
        } else {
          append_utf8(out, cp);
        }
      }
      text = std::move(out);
    }
    if (strip_accents_) {
      // Unlike the StripAccents normalizer, BERT's drops nonspacing marks (Mn) only.
      text = normalize_unicode(text, NormalForm::NFD);
      remove_code_points(text, [](uint32_t cp) { return is_mark_nonspacing(cp); });
    }
    if (lowercase_) {
      Lowercase().normalize(text);
    }
  }

private:
  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

class Sequence : public Normalizer {
public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) {
      step->normalize(text);
    }
  }

private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

} // namespace

std::unique_ptr<Normalizer> make_normalizer(JsonRef json) {
  auto type = component_type(json, "normalizer");
  if (type == "NFC") {
    return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
  }
  if (type == "NFD") {
    return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
  }
  if (type == "NFKC") {
    return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
  }
  if (type == "NFKD") {
    return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
  }
  if (type == "Lowercase") {
    return std::make_unique<Lowercase>();
  }
  if (type == "Strip") {
    return std::make_unique<Strip>(json.get_bool("strip_left", true),
                                   json.get_bool("strip_right", true));
  }
  if (type == "StripAccents") {
    return std::make_unique<StripAccents>();
  }
  if (type == "Replace") {
    auto pattern = json.get("pattern");
    if (!pattern) {
      throw std::invalid_argument("[tokenizer] Replace normalizer without a pattern");
    }
    return std::make_unique<Replace>(*pattern, json.get_string("content", ""));
  }
  if (type == "Prepend") {
    return std::make_unique<Prepend>(json.get_string("prepend", ""));
  }
  if (type == "Precompiled") {
    return make_precompiled_normalizer(json);
  }
  if (type == "BertNormalizer") {
    bool lowercase = json.get_bool("lowercase", true);
    auto strip = json.get("strip_accents");
    return std::make_unique<BertNormalizer>(
        json.get_bool("clean_text", true), json.get_bool("handle_chinese_chars", true),
        strip ? strip->as_bool("strip_accents") : lowercase, lowercase);
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    if (auto list = json.get("normalizers")) {
      for (size_t i = 0; i < list->size(); ++i) {
        steps.push_back(make_normalizer((*list)[i]));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::invalid_argument("[tokenizer] unknown normalizer type '" + std::string(type) + "'");
}

} // namespace mlxcpp::tokenizer::detail
