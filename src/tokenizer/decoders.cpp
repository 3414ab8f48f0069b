// Decoders turn token strings back into text: ByteLevel, Metaspace, WordPiece, BPEDecoder,
// ByteFallback, Fuse, Strip, Replace, CTC, Sequence. Each follows Hugging Face's decode_chain.
#include <stdexcept>

#include "tokenizer/byte_level.h"
#include "tokenizer/components.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"
#include "tokenizer/utf8_repair.h"

namespace mlxcpp::tokenizer::detail {

namespace {

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty() || s.find(from) == std::string::npos) {
    return;
  }
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out += to;
  }
  out.append(s, pos, std::string::npos);
  s = std::move(out);
}

class ByteLevel : public Decoder {
public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const auto& t : tokens) {
      if (!byte_level_to_bytes(t, bytes)) {
        bytes += t; // a token outside the byte alphabet (an added token) stands as written
      }
    }
    tokens.assign(1, repair_utf8(bytes));
  }
};

class Metaspace : public Decoder {
public:
  Metaspace(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      replace_all(tokens[i], replacement_, i == 0 && strip_first_ ? "" : " ");
    }
  }

private:
  std::string replacement_;
  bool strip_first_;
};

void wordpiece_cleanup(std::string& s) {
  static const std::pair<const char*, const char*> rules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (auto [from, to] : rules) {
    replace_all(s, from, to);
  }
}

class WordPiece : public Decoder {
public:
  WordPiece(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& t = tokens[i];
      if (i != 0) {
        if (!prefix_.empty() && t.compare(0, prefix_.size(), prefix_) == 0) {
          t.erase(0, prefix_.size());
        } else {
          t.insert(0, 1, ' ');
        }
      }
      if (cleanup_) {
        wordpiece_cleanup(t);
      }
    }
  }

private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder : public Decoder {
public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    }
  }

private:
  std::string suffix_;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

class ByteFallback : public Decoder {
public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string pending;
    auto flush = [&] {
      if (pending.empty()) {
        return;
      }
      if (is_valid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < pending.size(); ++k) {
          out.emplace_back("\xEF\xBF\xBD");
        }
      }
      pending.clear();
    };
    for (auto& t : tokens) {
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
        if (hi >= 0 && lo >= 0) {
          pending += static_cast<char>(hi * 16 + lo);
          continue;
        }
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }
};

class Fuse : public Decoder {
public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const auto& t : tokens) {
      joined += t;
    }
    tokens.assign(1, std::move(joined));
  }
};

class Strip : public Decoder {
public:
  Strip(uint32_t content, size_t start, size_t stop)
      : content_(content), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (auto& t : tokens) {
      std::vector<size_t> starts; // byte offset of each code point
      for (size_t i = 0; i < t.size();) {
        starts.push_back(i);
        next_code_point(t, i);
      }
      size_t n = starts.size();
      auto cp_at = [&](size_t k) {
        size_t i = starts[k];
        return next_code_point(t, i);
      };
      size_t begin = 0;
      for (size_t k = 0; k < start_ && k < n && cp_at(k) == content_; ++k) {
        begin = k + 1;
      }
      size_t end = n;
      for (size_t k = 0; k < stop_ && k < n && cp_at(n - k - 1) == content_; ++k) {
        end = n - k - 1;
      }
      if (end <= begin) {
        t.clear();
        continue;
      }
      size_t b = starts[begin], e = end < n ? starts[end] : t.size();
      t = t.substr(b, e - b);
    }
  }

private:
  uint32_t content_;
  size_t start_, stop_;
};

class Replace : public Decoder {
public:
  Replace(JsonRef pattern, std::string content) : content_(std::move(content)) {
    if (auto s = pattern.get("String")) {
      literal_ = std::string(s->as_string("Replace pattern"));
    } else if (auto r = pattern.get("Regex")) {
      regex_ = std::make_unique<Regex>(std::string(r->as_string("Replace pattern")));
    } else {
      throw std::invalid_argument("[tokenizer] Replace decoder pattern needs String or Regex");
    }
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::pair<size_t, size_t>> matches;
    for (auto& t : tokens) {
      if (!regex_) {
        replace_all(t, literal_, content_);
        continue;
      }
      regex_->find_all(t, matches);
      std::string out;
      size_t pos = 0;
      for (auto [b, e] : matches) {
        out.append(t, pos, b - pos);
        out += content_;
        pos = e;
      }
      out.append(t, pos, std::string::npos);
      t = std::move(out);
    }
  }

private:
  std::string literal_;
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

class Ctc : public Decoder {
public:
  Ctc(std::string pad, std::string delimiter, bool cleanup)
      : pad_(std::move(pad)), delimiter_(std::move(delimiter)), cleanup_(cleanup) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) {
        continue; // CTC collapses repeats
      }
      std::string t = tokens[i];
      replace_all(t, pad_, "");
      if (cleanup_) {
        wordpiece_cleanup(t);
        replace_all(t, delimiter_, " ");
      }
      if (!t.empty()) {
        out.push_back(std::move(t));
      }
    }
    tokens = std::move(out);
  }

private:
  std::string pad_, delimiter_;
  bool cleanup_;
};

class Sequence : public Decoder {
public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) {
      step->decode_chain(tokens);
    }
  }

private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

uint32_t first_code_point(const std::string& s, std::string_view what) {
  if (s.empty()) {
    throw std::invalid_argument("[tokenizer] decoder " + std::string(what) + " is empty");
  }
  size_t i = 0;
  return next_code_point(s, i);
}

} // namespace

std::unique_ptr<Decoder> make_decoder(JsonRef json) {
  auto type = component_type(json, "decoder");
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>();
  }
  if (type == "Metaspace") {
    bool strip_first = true;
    if (auto scheme = json.get("prepend_scheme")) {
      strip_first = scheme->as_string("prepend_scheme") != "never";
    } else {
      strip_first = json.get_bool("add_prefix_space", true);
    }
    return std::make_unique<Metaspace>(json.get_string("replacement", "\xE2\x96\x81"), strip_first);
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPiece>(json.get_string("prefix", "##"),
                                       json.get_bool("cleanup", true));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeDecoder>(json.get_string("suffix", "</w>"));
  }
  if (type == "ByteFallback") {
    return std::make_unique<ByteFallback>();
  }
  if (type == "Fuse") {
    return std::make_unique<Fuse>();
  }
  if (type == "Strip") {
    std::string content = json.get_string("content", " ");
    auto count = [&](const char* field) {
      auto v = json.get(field);
      return v ? static_cast<size_t>(v->as_int(field)) : size_t{0};
    };
    return std::make_unique<Strip>(first_code_point(content, "Strip content"), count("start"),
                                   count("stop"));
  }
  if (type == "Replace") {
    auto pattern = json.get("pattern");
    if (!pattern) {
      throw std::invalid_argument("[tokenizer] Replace decoder without a pattern");
    }
    return std::make_unique<Replace>(*pattern, json.get_string("content", ""));
  }
  if (type == "CTC") {
    return std::make_unique<Ctc>(json.get_string("pad_token", "<pad>"),
                                 json.get_string("word_delimiter_token", "|"),
                                 json.get_bool("cleanup", true));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    if (auto list = json.get("decoders")) {
      for (size_t i = 0; i < list->size(); ++i) {
        steps.push_back(make_decoder((*list)[i]));
      }
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw std::invalid_argument("[tokenizer] unknown decoder type '" + std::string(type) + "'");
}

} // namespace mlxcpp::tokenizer::detail
