#include "tokenizer/json_reader.h"

#include <bit>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::detail {

class JsonParser {
public:
  explicit JsonParser(JsonDocument& doc) : doc_(doc), s_(doc.buffer_.data()) {
    end_ = s_ + doc.buffer_.size();
    p_ = s_;
  }

  void run() {
    doc_.nodes_.reserve(doc_.buffer_.size() / 8 + 16);
    doc_.nodes_.emplace_back(); // the root's slot
    skip_ws();
    stack_.clear();
    parse_value();
    doc_.nodes_[0] = stack_.back();
    skip_ws();
    if (p_ != end_) {
      fail("unexpected trailing characters");
    }
  }

private:
  using Node = JsonDocument::Node;

  [[noreturn]] void fail(const char* what) const {
    size_t line = 1, col = 1;
    for (const char* q = s_; q < p_ && q < end_; ++q) {
      if (*q == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw std::runtime_error("invalid JSON at line " + std::to_string(line) + ", column " +
                             std::to_string(col) + ": " + what);
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  void expect_word(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) {
      fail("unexpected token");
    }
    p_ += n;
  }

  // Parses one value and pushes its node on stack_.
  void parse_value() {
    if (++depth_ > 512) {
      fail("nesting too deep");
    }
    if (p_ >= end_) {
      fail("unexpected end of input");
    }
    Node node{};
    switch (*p_) {
    case '{':
      parse_container(true);
      --depth_;
      return;
    case '[':
      parse_container(false);
      --depth_;
      return;
    case '"':
      node.type = JsonType::String;
      parse_string(node);
      break;
    case 't':
      expect_word("true", 4);
      node.type = JsonType::Bool;
      node.boolean = true;
      break;
    case 'f':
      expect_word("false", 5);
      node.type = JsonType::Bool;
      break;
    case 'n':
      expect_word("null", 4);
      node.type = JsonType::Null;
      break;
    default:
      node.type = JsonType::Number;
      parse_number(node);
    }
    stack_.push_back(node);
    --depth_;
  }

  void parse_container(bool object) {
    const char close = object ? '}' : ']';
    ++p_;
    size_t base = stack_.size();
    uint32_t count = 0;
    skip_ws();
    if (p_ < end_ && *p_ == close) {
      ++p_;
    } else {
      for (;;) {
        skip_ws();
        if (object) {
          if (p_ >= end_ || *p_ != '"') {
            fail("expected a string key");
          }
          Node key{};
          key.type = JsonType::String;
          parse_string(key);
          stack_.push_back(key);
          skip_ws();
          if (p_ >= end_ || *p_ != ':') {
            fail("expected ':'");
          }
          ++p_;
          skip_ws();
        }
        parse_value();
        ++count;
        skip_ws();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          continue;
        }
        if (p_ < end_ && *p_ == close) {
          ++p_;
          break;
        }
        fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    Node node{};
    node.type = object ? JsonType::Object : JsonType::Array;
    node.count = count;
    node.payload = doc_.nodes_.size();
    doc_.nodes_.insert(doc_.nodes_.end(), stack_.begin() + base, stack_.end());
    stack_.resize(base);
    stack_.push_back(node);
  }

  static int hex_value(char c) {
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

  uint32_t parse_hex4() {
    if (end_ - p_ < 4) {
      fail("truncated \\u escape");
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int h = hex_value(p_[i]);
      if (h < 0) {
        fail("bad \\u escape");
      }
      v = v * 16 + static_cast<uint32_t>(h);
    }
    p_ += 4;
    return v;
  }

  // Unescapes in place: the output never outgrows the escaped input.
  void parse_string(Node& node) {
    ++p_;
    char* out = const_cast<char*>(p_);
    const char* start = out;
    for (;;) {
      const char* q = p_;
      while (q < end_ && *q != '"' && *q != '\\' && static_cast<unsigned char>(*q) >= 0x20) {
        ++q;
      }
      size_t n = static_cast<size_t>(q - p_);
      if (out != p_) {
        std::memmove(out, p_, n);
      }
      out += n;
      p_ = q;
      if (p_ >= end_) {
        fail("unterminated string");
      }
      if (*p_ == '"') {
        ++p_;
        break;
      }
      if (*p_ != '\\') {
        fail("control character in string");
      }
      ++p_;
      if (p_ >= end_) {
        fail("unterminated string");
      }
      char e = *p_++;
      switch (e) {
      case '"':
        *out++ = '"';
        break;
      case '\\':
        *out++ = '\\';
        break;
      case '/':
        *out++ = '/';
        break;
      case 'b':
        *out++ = '\b';
        break;
      case 'f':
        *out++ = '\f';
        break;
      case 'n':
        *out++ = '\n';
        break;
      case 'r':
        *out++ = '\r';
        break;
      case 't':
        *out++ = '\t';
        break;
      case 'u': {
        uint32_t cp = parse_hex4();
        if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
          const char* save = p_;
          p_ += 2;
          uint32_t low = parse_hex4();
          if (low >= 0xDC00 && low < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else {
            p_ = save;
          }
        }
        if (cp >= 0xD800 && cp < 0xE000) {
          cp = 0xFFFD; // a lone surrogate cannot be UTF-8
        }
        char buf[4];
        size_t len = encode_utf8(cp, buf);
        std::memcpy(out, buf, len);
        out += len;
        break;
      }
      default:
        fail("bad escape");
      }
    }
    node.payload = static_cast<uint64_t>(start - doc_.buffer_.data());
    node.count = static_cast<uint32_t>(out - start);
  }

  void parse_number(Node& node) {
    const char* q = p_;
    if (q < end_ && *q == '-') {
      ++q;
    }
    if (q >= end_ || !(*q >= '0' && *q <= '9')) {
      fail("unexpected character");
    }
    double value = 0;
    auto [ptr, ec] = std::from_chars(p_, end_, value);
    if (ec != std::errc() && ec != std::errc::result_out_of_range) {
      fail("bad number");
    }
    p_ = ptr;
    node.payload = std::bit_cast<uint64_t>(value);
  }

  JsonDocument& doc_;
  const char* s_;
  const char* p_;
  const char* end_;
  int depth_ = 0;
  std::vector<Node> stack_;
};

JsonDocument JsonDocument::parse(std::string text) {
  JsonDocument doc;
  doc.buffer_ = std::move(text);
  JsonParser(doc).run();
  return doc;
}

namespace {
const char* type_name(JsonType t) {
  switch (t) {
  case JsonType::Null:
    return "null";
  case JsonType::Bool:
    return "a boolean";
  case JsonType::Number:
    return "a number";
  case JsonType::String:
    return "a string";
  case JsonType::Array:
    return "an array";
  case JsonType::Object:
    return "an object";
  }
  return "?";
}

[[noreturn]] void type_error(std::string_view what, const char* expected, JsonType got) {
  throw std::runtime_error(std::string(what) + " should be " + expected + ", not " +
                           type_name(got));
}
} // namespace

JsonType JsonRef::type() const {
  return doc_->nodes_[index_].type;
}

bool JsonRef::as_bool(std::string_view what) const {
  if (!is_bool()) {
    type_error(what, "a boolean", type());
  }
  return doc_->nodes_[index_].boolean;
}

double JsonRef::as_number(std::string_view what) const {
  if (!is_number()) {
    type_error(what, "a number", type());
  }
  return std::bit_cast<double>(doc_->nodes_[index_].payload);
}

int64_t JsonRef::as_int(std::string_view what) const {
  return static_cast<int64_t>(as_number(what));
}

std::string_view JsonRef::as_string(std::string_view what) const {
  if (!is_string()) {
    type_error(what, "a string", type());
  }
  const auto& n = doc_->nodes_[index_];
  return std::string_view(doc_->buffer_.data() + n.payload, n.count);
}

size_t JsonRef::size() const {
  const auto& n = doc_->nodes_[index_];
  return (n.type == JsonType::Array || n.type == JsonType::Object) ? n.count : 0;
}

JsonRef JsonRef::operator[](size_t i) const {
  return JsonRef(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + i));
}

std::string_view JsonRef::key(size_t i) const {
  return JsonRef(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + 2 * i)).as_string();
}

JsonRef JsonRef::value(size_t i) const {
  return JsonRef(doc_, static_cast<uint32_t>(doc_->nodes_[index_].payload + 2 * i + 1));
}

std::optional<JsonRef> JsonRef::find(std::string_view k) const {
  if (!is_object()) {
    return std::nullopt;
  }
  for (size_t i = 0, n = size(); i < n; ++i) {
    if (key(i) == k) {
      return value(i);
    }
  }
  return std::nullopt;
}

std::optional<JsonRef> JsonRef::get(std::string_view k) const {
  auto v = find(k);
  if (v && v->is_null()) {
    return std::nullopt;
  }
  return v;
}

bool JsonRef::get_bool(std::string_view k, bool fallback) const {
  auto v = get(k);
  return v ? v->as_bool(k) : fallback;
}

std::string JsonRef::get_string(std::string_view k, std::string_view fallback) const {
  auto v = get(k);
  return std::string(v ? v->as_string(k) : fallback);
}

std::optional<std::string> JsonRef::get_optional_string(std::string_view k) const {
  auto v = get(k);
  if (!v) {
    return std::nullopt;
  }
  return std::string(v->as_string(k));
}

} // namespace mlxcpp::tokenizer::detail
