// Methods of str, dict and list that templates call (message.content.split('</think>'),
// tool.items(), ...). The sandbox is immutable: methods that would modify a list or dict raise
// SecurityError, as in transformers' ImmutableSandboxedEnvironment.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "tokenizer/jinja/runtime.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

using Method = Value (*)(const Value& self, const Arguments& args);

const Value* opt(const Arguments& a, size_t i, std::string_view name) {
  const Value* v = a.get(i, name);
  return v && !v->is_none() ? v : nullptr;
}

std::string need_string(const Arguments& a, size_t i, std::string_view name) {
  const Value* v = a.get(i, name);
  if (!v || !v->is_string()) {
    raise_error("TypeError: " + std::string(name) + " must be a string");
  }
  return v->as_string();
}

bool affix(const Value& self, const Arguments& a, bool prefix) {
  const Value* arg = a.get(0, prefix ? "prefix" : "suffix");
  if (!arg) {
    raise_error("TypeError: startswith/endswith need an argument");
  }
  const std::string& s = self.as_string();
  auto test = [&](const std::string& x) {
    return x.size() <= s.size() && (prefix ? s.compare(0, x.size(), x) == 0
                                           : s.compare(s.size() - x.size(), x.size(), x) == 0);
  };
  if (arg->is_array()) {
    for (const auto& x : arg->items()) {
      if (test(x.str())) {
        return true;
      }
    }
    return false;
  }
  return test(arg->str());
}

Value s_startswith(const Value& self, const Arguments& a) {
  return Value(affix(self, a, true));
}
Value s_endswith(const Value& self, const Arguments& a) {
  return Value(affix(self, a, false));
}

Value split_impl(const Value& self, const Arguments& a, bool from_right) {
  const std::string& s = self.as_string();
  const Value* sep_v = opt(a, 0, "sep");
  int64_t max = opt(a, 1, "maxsplit") ? opt(a, 1, "maxsplit")->as_int() : -1;
  std::vector<std::string> parts;
  if (!sep_v) {
    // Runs of whitespace separate; leading and trailing whitespace yields nothing.
    std::vector<std::string> cps = code_points(s);
    auto space = [&](size_t k) {
      size_t i = 0;
      return tokenizer::detail::is_whitespace(tokenizer::detail::next_code_point(cps[k], i));
    };
    if (from_right) {
      std::reverse(cps.begin(), cps.end());
    }
    size_t k = 0;
    while (k < cps.size()) {
      while (k < cps.size() && space(k)) {
        ++k;
      }
      if (k >= cps.size()) {
        break;
      }
      std::string word;
      if (max >= 0 && static_cast<int64_t>(parts.size()) == max) {
        for (; k < cps.size(); ++k) {
          word += cps[k];
        }
        std::vector<std::string> tail = code_points(word);
        size_t e = tail.size();
        while (e > 0) {
          size_t i = 0;
          if (!tokenizer::detail::is_whitespace(
                  tokenizer::detail::next_code_point(tail[e - 1], i))) {
            break;
          }
          --e;
        }
        word.clear();
        for (size_t i = 0; i < e; ++i) {
          word += tail[i];
        }
      } else {
        while (k < cps.size() && !space(k)) {
          word += cps[k++];
        }
      }
      parts.push_back(word);
    }
    if (from_right) {
      for (auto& p : parts) {
        auto c = code_points(p);
        std::reverse(c.begin(), c.end());
        p.clear();
        for (auto& x : c) {
          p += x;
        }
      }
      std::reverse(parts.begin(), parts.end());
    }
  } else {
    std::string sep = sep_v->str();
    if (sep.empty()) {
      raise_error("ValueError: empty separator");
    }
    if (!from_right) {
      size_t pos = 0;
      for (;;) {
        size_t hit = (max >= 0 && static_cast<int64_t>(parts.size()) >= max) ? std::string::npos
                                                                             : s.find(sep, pos);
        if (hit == std::string::npos) {
          parts.push_back(s.substr(pos));
          break;
        }
        parts.push_back(s.substr(pos, hit - pos));
        pos = hit + sep.size();
      }
    } else {
      size_t end = s.size();
      for (;;) {
        size_t hit = (max >= 0 && static_cast<int64_t>(parts.size()) >= max) || end < sep.size()
                         ? std::string::npos
                         : s.rfind(sep, end - sep.size());
        if (hit == std::string::npos) {
          parts.push_back(s.substr(0, end));
          break;
        }
        parts.push_back(s.substr(hit + sep.size(), end - hit - sep.size()));
        end = hit;
      }
      std::reverse(parts.begin(), parts.end());
    }
  }
  std::vector<Value> out;
  for (auto& p : parts) {
    out.emplace_back(std::move(p));
  }
  return Value::array(std::move(out));
}
Value s_split(const Value& self, const Arguments& a) {
  return split_impl(self, a, false);
}
Value s_rsplit(const Value& self, const Arguments& a) {
  return split_impl(self, a, true);
}

Value s_strip(const Value& self, const Arguments& a) {
  return Value(strip_chars(self.as_string(), opt(a, 0, "chars"), true, true));
}
Value s_lstrip(const Value& self, const Arguments& a) {
  return Value(strip_chars(self.as_string(), opt(a, 0, "chars"), true, false));
}
Value s_rstrip(const Value& self, const Arguments& a) {
  return Value(strip_chars(self.as_string(), opt(a, 0, "chars"), false, true));
}
Value s_lower(const Value& self, const Arguments&) {
  return Value(to_lower(self.as_string()));
}
Value s_upper(const Value& self, const Arguments&) {
  return Value(to_upper(self.as_string()));
}

Value s_title(const Value& self, const Arguments&) {
  // Python: a letter after a non-letter starts a word.
  std::string out;
  bool prev_letter = false;
  for (const auto& c : code_points(self.as_string())) {
    std::string lower = to_lower(c), upper = to_upper(c);
    bool letter = lower != upper;
    out += letter ? (prev_letter ? lower : upper) : c;
    prev_letter = letter;
  }
  return Value(out);
}

Value s_capitalize(const Value& self, const Arguments&) {
  auto cps = code_points(self.as_string());
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    out += i == 0 ? to_upper(cps[i]) : to_lower(cps[i]);
  }
  return Value(out);
}

Value s_replace(const Value& self, const Arguments& a) {
  std::string from = need_string(a, 0, "old"), to = need_string(a, 1, "new");
  int64_t count = opt(a, 2, "count") ? opt(a, 2, "count")->as_int() : -1;
  const std::string& s = self.as_string();
  if (from.empty()) {
    raise_error("ValueError: replace() with an empty pattern is not supported");
  }
  std::string out;
  size_t pos = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) {
      break;
    }
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
  }
  out.append(s, pos, std::string::npos);
  return Value(out);
}

// Index in code points of a byte offset.
int64_t char_index(const std::string& s, size_t byte) {
  int64_t n = 0;
  for (size_t i = 0; i < byte; ++i) {
    n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  }
  return n;
}

Value s_find(const Value& self, const Arguments& a) {
  size_t hit = self.as_string().find(need_string(a, 0, "sub"));
  return Value(hit == std::string::npos ? int64_t{-1} : char_index(self.as_string(), hit));
}
Value s_rfind(const Value& self, const Arguments& a) {
  size_t hit = self.as_string().rfind(need_string(a, 0, "sub"));
  return Value(hit == std::string::npos ? int64_t{-1} : char_index(self.as_string(), hit));
}
Value s_index(const Value& self, const Arguments& a) {
  Value r = s_find(self, a);
  if (r.as_int() < 0) {
    raise_error("ValueError: substring not found");
  }
  return r;
}
Value s_count(const Value& self, const Arguments& a) {
  std::string sub = need_string(a, 0, "sub");
  const std::string& s = self.as_string();
  if (sub.empty()) {
    return Value(static_cast<int64_t>(self.length() + 1));
  }
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string::npos; pos = s.find(sub, pos + sub.size())) {
    ++n;
  }
  return Value(n);
}
Value s_join(const Value& self, const Arguments& a) {
  const Value* items = a.get(0, "iterable");
  std::string out;
  bool first = true;
  for (const auto& v : items ? iterate(*items) : std::vector<Value>{}) {
    if (!v.is_string()) {
      raise_error("TypeError: sequence item: expected str instance, " + v.type_name() + " found");
    }
    out += (first ? "" : self.as_string()) + v.as_string();
    first = false;
  }
  return Value(out);
}

Value s_format(const Value& self, const Arguments& a) {
  // str.format with {} / {0} / {name} fields.
  const std::string& f = self.as_string();
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] == '{' && i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (f[i] == '}' && i + 1 < f.size() && f[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (f[i] == '{') {
      size_t close = f.find('}', i);
      if (close == std::string::npos) {
        raise_error("ValueError: Single '{' encountered in format string");
      }
      std::string field = f.substr(i + 1, close - i - 1);
      const Value* v = nullptr;
      if (field.empty()) {
        v = a.get(auto_index++, "");
      } else if (std::isdigit(static_cast<unsigned char>(field[0]))) {
        v = a.get(static_cast<size_t>(std::stoul(field)), "");
      } else {
        v = a.get(SIZE_MAX, field);
      }
      if (!v) {
        raise_error("IndexError: format field '" + field + "' has no argument");
      }
      out += v->str();
      i = close;
    } else {
      out += f[i];
    }
  }
  return Value(out);
}

template <bool (*Pred)(uint32_t)>
Value s_all(const Value& self, const Arguments&) {
  const std::string& s = self.as_string();
  if (s.empty()) {
    return Value(false);
  }
  for (size_t i = 0; i < s.size();) {
    if (!Pred(tokenizer::detail::next_code_point(s, i))) {
      return Value(false);
    }
  }
  return Value(true);
}
bool is_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}
bool is_alpha(uint32_t cp) {
  return tokenizer::detail::is_word_char(cp) && !tokenizer::detail::is_numeric(cp) && cp != '_' &&
         !tokenizer::detail::is_mark(cp);
}

Value d_items(const Value& self, const Arguments&) {
  std::vector<Value> out;
  for (const auto& [k, v] : self.members().items) {
    out.push_back(Value::tuple({Value(k), v}));
  }
  return Value::array(std::move(out));
}
Value d_keys(const Value& self, const Arguments&) {
  return Value::array(iterate(self));
}
Value d_values(const Value& self, const Arguments&) {
  std::vector<Value> out;
  for (const auto& [k, v] : self.members().items) {
    out.push_back(v);
  }
  return Value::array(std::move(out));
}
Value d_get(const Value& self, const Arguments& a) {
  const Value* key = a.get(0, "key");
  const Value* fallback = a.get(1, "default");
  if (key && key->is_string()) {
    if (const Value* v = self.members().find(key->as_string())) {
      return *v;
    }
  }
  return fallback ? *fallback : Value(nullptr);
}

Value l_index(const Value& self, const Arguments& a) {
  const Value* x = a.get(0, "value");
  const auto& items = self.items();
  for (size_t i = 0; x && i < items.size(); ++i) {
    if (items[i] == *x) {
      return Value(static_cast<int64_t>(i));
    }
  }
  raise_error("ValueError: value is not in list");
}
Value l_count(const Value& self, const Arguments& a) {
  const Value* x = a.get(0, "value");
  int64_t n = 0;
  for (const auto& v : self.items()) {
    n += x && v == *x;
  }
  return Value(n);
}

Value bind(const Value& self, const std::string& name, Method m) {
  return Value::function(name, [self, m](const Arguments& a) { return m(self, a); });
}

} // namespace

std::optional<Value> find_method(const Value& receiver, const std::string& name) {
  static const std::map<std::string, Method> str_methods = {
      {"startswith", s_startswith},
      {"endswith", s_endswith},
      {"split", s_split},
      {"rsplit", s_rsplit},
      {"strip", s_strip},
      {"lstrip", s_lstrip},
      {"rstrip", s_rstrip},
      {"lower", s_lower},
      {"upper", s_upper},
      {"title", s_title},
      {"capitalize", s_capitalize},
      {"replace", s_replace},
      {"find", s_find},
      {"rfind", s_rfind},
      {"index", s_index},
      {"count", s_count},
      {"join", s_join},
      {"format", s_format},
      {"isdigit", s_all<is_digit>},
      {"isalpha", s_all<is_alpha>},
      {"isspace", s_all<tokenizer::detail::is_whitespace>},
  };
  static const std::map<std::string, Method> dict_methods = {
      {"items", d_items}, {"keys", d_keys}, {"values", d_values}, {"get", d_get}};
  static const std::map<std::string, Method> list_methods = {{"index", l_index},
                                                             {"count", l_count}};
  static const std::set<std::string> list_mutators = {"append", "extend", "insert", "pop",
                                                      "remove", "clear",  "sort",   "reverse"};
  static const std::set<std::string> dict_mutators = {"pop", "popitem", "update", "clear",
                                                      "setdefault"};
  const std::map<std::string, Method>* table = nullptr;
  if (receiver.is_string()) {
    table = &str_methods;
  } else if (receiver.is_object()) {
    if (dict_mutators.count(name)) {
      raise_error("SecurityError: access to attribute '" + name + "' of 'dict' object is unsafe.");
    }
    table = &dict_methods;
  } else if (receiver.is_array()) {
    if (list_mutators.count(name)) {
      raise_error("SecurityError: access to attribute '" + name + "' of '" + receiver.type_name() +
                  "' object is unsafe.");
    }
    table = &list_methods;
  }
  if (!table) {
    return std::nullopt;
  }
  auto it = table->find(name);
  if (it == table->end()) {
    return std::nullopt;
  }
  return bind(receiver, name, it->second);
}

} // namespace mlxcpp::tokenizer::jinja::detail
