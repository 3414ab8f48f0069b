#include "tokenizer/jinja/lexer.h"

#include <cctype>
#include <cstring>

#include "mlxcpp/tokenizer/jinja.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

class Lexer {
public:
  explicit Lexer(std::string source) : s_(std::move(source)) {}

  std::vector<Token> run() {
    while (pos_ < s_.size()) {
      size_t open = find_tag(pos_);
      if (open == std::string::npos) {
        emit_text(s_.substr(pos_), pos_);
        pos_ = s_.size();
        break;
      }
      char kind = s_[open + 1];
      bool minus = open + 2 < s_.size() && s_[open + 2] == '-';
      bool plus = open + 2 < s_.size() && s_[open + 2] == '+';
      std::string text = s_.substr(pos_, open - pos_);
      if (minus) {
        rstrip_all(text);
      } else if (kind != '{' && !plus) {
        lstrip_block(text, pos_);
      }
      emit_text(std::move(text), pos_);
      pos_ = open + 2 + ((minus || plus) ? 1 : 0);
      if (kind == '#') {
        lex_comment(open);
      } else if (kind == '{') {
        push(Token::Type::VarBegin, "{{", open);
        lex_expression("}}", Token::Type::VarEnd, false);
      } else if (is_raw_start()) {
        lex_raw(open);
      } else {
        push(Token::Type::BlockBegin, "{%", open);
        lex_expression("%}", Token::Type::BlockEnd, true);
      }
    }
    push(Token::Type::End, "", s_.size());
    return std::move(tokens_);
  }

private:
  [[noreturn]] void fail(const std::string& what, size_t at) const {
    auto [line, col] = position(at);
    throw TemplateError(what, line, col);
  }

  // Line and column of byte `at`. Tokens arrive in order, so the scan resumes from the last
  // answer instead of restarting at the top of the template.
  std::pair<int, int> position(size_t at) const {
    if (at < cursor_) {
      cursor_ = 0;
      line_ = col_ = 1;
    }
    for (; cursor_ < at && cursor_ < s_.size(); ++cursor_) {
      if (s_[cursor_] == '\n') {
        ++line_;
        col_ = 1;
      } else if ((static_cast<unsigned char>(s_[cursor_]) & 0xC0) != 0x80) {
        ++col_;
      }
    }
    return {line_, col_};
  }

  void push(Token::Type type, std::string text, size_t at) {
    auto [line, col] = position(at);
    tokens_.push_back(Token{type, std::move(text), line, col});
  }

  void emit_text(std::string text, size_t at) {
    if (!text.empty()) {
      push(Token::Type::Text, std::move(text), at);
    }
  }

  size_t find_tag(size_t from) const {
    for (size_t i = s_.find('{', from); i != std::string::npos; i = s_.find('{', i + 1)) {
      if (i + 1 < s_.size() && (s_[i + 1] == '{' || s_[i + 1] == '%' || s_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  static void rstrip_all(std::string& text) {
    size_t end = text.size();
    while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) {
      --end;
    }
    text.resize(end);
  }

  // lstrip_blocks: spaces and tabs between the start of a line and a block tag go.
  void lstrip_block(std::string& text, size_t text_start) const {
    size_t line_start = text.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    bool at_line_start = line_start > 0 || text_start == 0 || s_[text_start - 1] == '\n';
    if (!at_line_start) {
      return;
    }
    for (size_t i = line_start; i < text.size(); ++i) {
      if (text[i] != ' ' && text[i] != '\t') {
        return;
      }
    }
    text.resize(line_start);
  }

  // After a tag's end: '-' strips all whitespace; else trim_blocks drops one newline after
  // block tags and comments unless the tag ended with '+'.
  void after_tag(bool minus, bool plus, bool trims_newline) {
    if (minus) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        ++pos_;
      }
    } else if (trims_newline && !plus && pos_ < s_.size() && s_[pos_] == '\n') {
      ++pos_;
    }
  }

  void lex_comment(size_t open) {
    size_t close = s_.find("#}", pos_);
    if (close == std::string::npos) {
      fail("unexpected end of template: comment is not closed", open);
    }
    bool minus = close > pos_ && s_[close - 1] == '-';
    bool plus = close > pos_ && s_[close - 1] == '+';
    pos_ = close + 2;
    after_tag(minus, plus, true);
  }

  static bool is_name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }

  void skip_spaces() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) {
      ++pos_;
    }
  }

  bool is_raw_start() {
    size_t save = pos_;
    skip_spaces();
    bool raw =
        s_.compare(pos_, 3, "raw") == 0 && (pos_ + 3 >= s_.size() || !is_name_start(s_[pos_ + 3]));
    pos_ = save;
    return raw;
  }

  void lex_raw(size_t open) {
    skip_spaces();
    pos_ += 3;
    skip_spaces();
    bool minus = s_.compare(pos_, 3, "-%}") == 0;
    bool plus = s_.compare(pos_, 3, "+%}") == 0;
    if (minus || plus) {
      ++pos_;
    }
    if (s_.compare(pos_, 2, "%}") != 0) {
      fail("expected '%}' after raw", pos_);
    }
    pos_ += 2;
    after_tag(minus, plus, true);
    // Find {% endraw %} with any whitespace and modifiers.
    for (size_t i = find_tag(pos_); i != std::string::npos; i = find_tag(i + 1)) {
      if (s_[i + 1] != '%') {
        continue;
      }
      size_t k = i + 2;
      bool end_minus = k < s_.size() && s_[k] == '-';
      if (end_minus || (k < s_.size() && s_[k] == '+')) {
        ++k;
      }
      while (k < s_.size() && std::isspace(static_cast<unsigned char>(s_[k]))) {
        ++k;
      }
      if (s_.compare(k, 6, "endraw") != 0) {
        continue;
      }
      k += 6;
      while (k < s_.size() && std::isspace(static_cast<unsigned char>(s_[k]))) {
        ++k;
      }
      bool close_minus = s_.compare(k, 3, "-%}") == 0;
      bool close_plus = s_.compare(k, 3, "+%}") == 0;
      if (close_minus || close_plus) {
        ++k;
      }
      if (s_.compare(k, 2, "%}") != 0) {
        continue;
      }
      std::string text = s_.substr(pos_, i - pos_);
      if (end_minus) {
        rstrip_all(text);
      }
      emit_text(std::move(text), pos_);
      pos_ = k + 2;
      after_tag(close_minus, close_plus, true);
      return;
    }
    fail("unexpected end of template: raw block is not closed", open);
  }

  void lex_expression(const char* close, Token::Type end_type, bool block) {
    // Brackets opened inside the tag: "}}" closing a nested dict literal does not end it.
    int depth = 0;
    for (;;) {
      skip_spaces();
      if (pos_ >= s_.size()) {
        fail(std::string("unexpected end of template: expected '") + close + "'", pos_);
      }
      size_t at = pos_;
      char c = s_[pos_];
      bool modifier = depth == 0 && (c == '-' || c == '+') && s_.compare(pos_ + 1, 2, close) == 0;
      if (modifier || (depth == 0 && s_.compare(pos_, 2, close) == 0)) {
        pos_ += modifier ? 3 : 2;
        push(end_type, close, at);
        after_tag(modifier && c == '-', modifier && c == '+', block);
        return;
      }
      if (is_name_start(c)) {
        size_t start = pos_;
        while (pos_ < s_.size() &&
               (is_name_start(s_[pos_]) || std::isdigit(static_cast<unsigned char>(s_[pos_])))) {
          ++pos_;
        }
        push(Token::Type::Name, s_.substr(start, pos_ - start), at);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        lex_number(at);
      } else if (c == '\'' || c == '"') {
        lex_string(at);
      } else {
        static const char* const ops[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*",
                                          "/",  "%",  "~",  "(",  ")",  "[",  "]", "{", "}",
                                          ",",  ".",  ":",  "|",  "=",  "<",  ">"};
        bool found = false;
        for (const char* op : ops) {
          size_t n = std::strlen(op);
          if (s_.compare(pos_, n, op) == 0) {
            if (n == 1 && (*op == '(' || *op == '[' || *op == '{')) {
              ++depth;
            } else if (n == 1 && (*op == ')' || *op == ']' || *op == '}') && depth > 0) {
              --depth;
            }
            push(Token::Type::Op, op, at);
            pos_ += n;
            found = true;
            break;
          }
        }
        if (!found) {
          fail(std::string("unexpected character '") + c + "'", at);
        }
      }
    }
  }

  void lex_number(size_t at) {
    size_t start = pos_;
    bool is_float = false;
    auto digits = [&] {
      while (pos_ < s_.size() &&
             (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) {
        ++pos_;
      }
    };
    digits();
    if (pos_ + 1 < s_.size() && s_[pos_] == '.' &&
        std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))) {
      is_float = true;
      ++pos_;
      digits();
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      size_t k = pos_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) {
        ++k;
      }
      if (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) {
        is_float = true;
        pos_ = k;
        digits();
      }
    }
    std::string text;
    for (size_t i = start; i < pos_; ++i) {
      if (s_[i] != '_') {
        text += s_[i];
      }
    }
    push(is_float ? Token::Type::Float : Token::Type::Int, text, at);
  }

  void lex_string(size_t at) {
    char quote = s_[pos_++];
    std::string out;
    for (;;) {
      if (pos_ >= s_.size()) {
        fail("unexpected end of template: string is not closed", at);
      }
      char c = s_[pos_++];
      if (c == quote) {
        break;
      }
      if (c != '\\' || pos_ >= s_.size()) {
        out += c;
        continue;
      }
      char e = s_[pos_++];
      switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
        out += '\0';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case '\n':
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (pos_ + n > s_.size()) {
          fail("truncated escape in string", pos_);
        }
        uint32_t cp = static_cast<uint32_t>(std::stoul(s_.substr(pos_, n), nullptr, 16));
        pos_ += n;
        tokenizer::detail::append_utf8(out, cp);
        break;
      }
      default:
        out += '\\';
        out += e;
      }
    }
    push(Token::Type::String, std::move(out), at);
  }

  std::string s_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
  mutable size_t cursor_ = 0;
  mutable int line_ = 1, col_ = 1;
};

std::string normalize_newlines(const std::string& source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') {
        ++i;
      }
    } else {
      out += source[i];
    }
  }
  // keep_trailing_newline is off in transformers' environment.
  if (!out.empty() && out.back() == '\n') {
    out.pop_back();
  }
  return out;
}

} // namespace

std::vector<Token> tokenize(const std::string& source) {
  return Lexer(normalize_newlines(source)).run();
}

} // namespace mlxcpp::tokenizer::jinja::detail
