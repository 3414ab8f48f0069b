// String helpers with Python's behaviour: case mapping, strip, and printf-style '%' formatting.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "tokenizer/jinja/runtime.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja::detail {

using tokenizer::detail::append_lowercase;
using tokenizer::detail::append_uppercase;
using tokenizer::detail::is_whitespace;
using tokenizer::detail::next_code_point;

std::string to_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    append_lowercase(out, next_code_point(s, i));
  }
  return out;
}

namespace {
struct SpecialUpper {
  uint32_t from;
  uint32_t to[3];
};
#include "tokenizer/jinja/special_casing.inc"
} // namespace

std::string to_upper(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    uint32_t cp = next_code_point(s, i);
    auto it = std::lower_bound(std::begin(kSpecialUpper), std::end(kSpecialUpper), cp,
                               [](const SpecialUpper& e, uint32_t c) { return e.from < c; });
    if (it != std::end(kSpecialUpper) && it->from == cp) {
      for (uint32_t c : it->to) {
        if (c != 0) {
          tokenizer::detail::append_utf8(out, c);
        }
      }
      continue;
    }
    append_uppercase(out, cp);
  }
  return out;
}

std::string strip_chars(std::string_view s, const Value* chars, bool left, bool right) {
  std::vector<std::string> cps = code_points(s);
  std::vector<std::string> set;
  bool whitespace = !chars || chars->is_none() || chars->is_undefined();
  if (!whitespace) {
    set = code_points(chars->str());
  }
  auto strip = [&](const std::string& c) {
    if (whitespace) {
      size_t i = 0;
      return is_whitespace(next_code_point(c, i));
    }
    for (const auto& x : set) {
      if (x == c) {
        return true;
      }
    }
    return false;
  };
  size_t b = 0, e = cps.size();
  while (left && b < e && strip(cps[b])) {
    ++b;
  }
  while (right && e > b && strip(cps[e - 1])) {
    --e;
  }
  std::string out;
  for (size_t i = b; i < e; ++i) {
    out += cps[i];
  }
  return out;
}

std::string percent_format(const std::string& fmt, const std::vector<Value>& args) {
  std::string out;
  size_t next = 0;
  auto take = [&]() -> const Value& {
    if (next >= args.size()) {
      raise_error("TypeError: not enough arguments for format string");
    }
    return args[next++];
  };
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    // %[flags][width][.precision]conversion
    size_t j = i + 1;
    std::string spec = "%";
    while (j < fmt.size() && std::string_view("-+ 0#").find(fmt[j]) != std::string_view::npos) {
      spec += fmt[j++];
    }
    while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) {
      spec += fmt[j++];
    }
    if (j < fmt.size() && fmt[j] == '.') {
      spec += fmt[j++];
      while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) {
        spec += fmt[j++];
      }
    }
    if (j >= fmt.size()) {
      raise_error("ValueError: incomplete format");
    }
    char conv = fmt[j];
    i = j;
    char buf[512];
    switch (conv) {
    case '%':
      out += '%';
      break;
    case 's':
    case 'r': {
      const Value& v = take();
      std::string text = conv == 's' ? v.str() : v.repr();
      std::snprintf(buf, sizeof(buf), (spec + "s").c_str(), text.c_str());
      out += spec == "%" ? text : std::string(buf);
      break;
    }
    case 'd':
    case 'i':
      std::snprintf(buf, sizeof(buf), (spec + "lld").c_str(),
                    static_cast<long long>(take().as_int()));
      out += buf;
      break;
    case 'x':
    case 'X':
    case 'o':
      std::snprintf(buf, sizeof(buf), (spec + "ll" + conv).c_str(),
                    static_cast<long long>(take().as_int()));
      out += buf;
      break;
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      std::snprintf(buf, sizeof(buf), (spec + conv).c_str(), take().as_float());
      out += buf;
      break;
    default:
      raise_error(std::string("ValueError: unsupported format character '") + conv + "'");
    }
  }
  if (next < args.size()) {
    raise_error("TypeError: not all arguments converted during string formatting");
  }
  return out;
}

} // namespace mlxcpp::tokenizer::jinja::detail
