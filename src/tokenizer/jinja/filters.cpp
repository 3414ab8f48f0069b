// Jinja's built-in filters (the ones chat templates use), with HF's tojson.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

#include "tokenizer/jinja/runtime.h"
#include "tokenizer/unicode.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

const Value* arg(const Arguments& a, size_t i, std::string_view name) {
  return a.get(i, name);
}

bool arg_bool(const Arguments& a, size_t i, std::string_view name, bool fallback) {
  const Value* v = arg(a, i, name);
  return v ? v->truthy() : fallback;
}

int64_t arg_int(const Arguments& a, size_t i, std::string_view name, int64_t fallback) {
  const Value* v = arg(a, i, name);
  return v && !v->is_none() ? v->as_int() : fallback;
}

// attribute="a.b" or attribute=0 as Jinja's make_attrgetter resolves it.
Value get_path(const Value& item, const Value& attribute) {
  if (attribute.is_int()) {
    return get_item(item, attribute);
  }
  Value v = item;
  std::string path = attribute.str();
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    v = digits ? get_item(v, Value(static_cast<int64_t>(std::stoll(part))))
               : get_item(v, Value(part));
    if (dot == std::string::npos) {
      return v;
    }
    start = dot + 1;
  }
}

Value f_default(const Value& v, const Arguments& a) {
  const Value* fallback = arg(a, 0, "default_value");
  bool boolean = arg_bool(a, 1, "boolean", false);
  if (v.is_undefined() || (boolean && !v.truthy())) {
    return fallback ? *fallback : Value(std::string());
  }
  return v;
}

Value f_length(const Value& v, const Arguments&) {
  return Value(static_cast<int64_t>(v.length()));
}
Value f_upper(const Value& v, const Arguments&) {
  return Value(to_upper(v.str()));
}
Value f_lower(const Value& v, const Arguments&) {
  return Value(to_lower(v.str()));
}
Value f_string(const Value& v, const Arguments&) {
  return Value(v.str());
}
Value f_safe(const Value& v, const Arguments&) {
  return v;
}

Value f_trim(const Value& v, const Arguments& a) {
  return Value(strip_chars(v.str(), arg(a, 0, "chars"), true, true));
}

Value f_capitalize(const Value& v, const Arguments&) {
  auto cps = code_points(v.str());
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    out += i == 0 ? to_upper(cps[i]) : to_lower(cps[i]);
  }
  return Value(out);
}

Value f_title(const Value& v, const Arguments&) {
  // Jinja capitalises each run that follows a space, '-', or an opening bracket.
  auto cps = code_points(v.str());
  std::string out;
  bool start = true;
  for (const auto& c : cps) {
    bool sep = c == "-" || c == "(" || c == "{" || c == "[" || c == "<";
    size_t i = 0;
    sep = sep || tokenizer::detail::is_whitespace(tokenizer::detail::next_code_point(c, i));
    out += sep ? c : (start ? to_upper(c) : to_lower(c));
    start = sep;
  }
  return Value(out);
}

Value f_replace(const Value& v, const Arguments& a) {
  const Value* old_v = arg(a, 0, "old");
  const Value* new_v = arg(a, 1, "new");
  if (!old_v || !new_v) {
    raise_error("TypeError: replace() needs old and new");
  }
  int64_t count = arg_int(a, 2, "count", -1);
  std::string s = v.str(), from = old_v->str(), to = new_v->str(), out;
  size_t pos = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t hit = from.empty() ? (pos <= s.size() ? pos : std::string::npos) : s.find(from, pos);
    if (hit == std::string::npos) {
      break;
    }
    out.append(s, pos, hit - pos);
    out += to;
    if (from.empty()) {
      if (hit >= s.size()) {
        pos = s.size() + 1;
        break;
      }
      size_t n = tokenizer::detail::utf8_length(static_cast<unsigned char>(s[hit]));
      out.append(s, hit, n);
      pos = hit + n;
    } else {
      pos = hit + from.size();
    }
  }
  if (pos <= s.size()) {
    out.append(s, pos, std::string::npos);
  }
  return Value(out);
}

Value f_first(const Value& v, const Arguments&) {
  auto items = iterate(v);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value f_last(const Value& v, const Arguments&) {
  auto items = iterate(v);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value f_join(const Value& v, const Arguments& a) {
  const Value* sep = arg(a, 0, "d");
  const Value* attribute = arg(a, 1, "attribute");
  std::string out;
  bool first = true;
  for (const auto& item : iterate(v)) {
    if (!first && sep) {
      out += sep->str();
    }
    out += (attribute ? get_path(item, *attribute) : item).str();
    first = false;
  }
  return Value(out);
}

Value f_list(const Value& v, const Arguments&) {
  return Value::array(iterate(v));
}

Value f_reverse(const Value& v, const Arguments&) {
  auto items = iterate(v);
  std::reverse(items.begin(), items.end());
  if (v.is_string()) {
    std::string s;
    for (const auto& c : items) {
      s += c.as_string();
    }
    return Value(s);
  }
  return Value::array(std::move(items));
}

Value f_sort(const Value& v, const Arguments& a) {
  bool reverse = arg_bool(a, 0, "reverse", false);
  bool case_sensitive = arg_bool(a, 1, "case_sensitive", false);
  const Value* attribute = arg(a, 2, "attribute");
  auto items = iterate(v);
  auto key = [&](const Value& x) { return attribute ? get_path(x, *attribute) : x; };
  std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
    return reverse ? less_than(key(y), key(x), !case_sensitive)
                   : less_than(key(x), key(y), !case_sensitive);
  });
  return Value::array(std::move(items));
}

Value f_unique(const Value& v, const Arguments& a) {
  bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  std::vector<Value> out, seen;
  for (const auto& item : iterate(v)) {
    Value k = attribute ? get_path(item, *attribute) : item;
    if (!case_sensitive && k.is_string()) {
      k = Value(to_lower(k.as_string()));
    }
    if (std::find(seen.begin(), seen.end(), k) == seen.end()) {
      seen.push_back(k);
      out.push_back(item);
    }
  }
  return Value::array(std::move(out));
}

Value extreme(const Value& v, const Arguments& a, bool want_max) {
  bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
  const Value* attribute = arg(a, 1, "attribute");
  auto items = iterate(v);
  if (items.empty()) {
    return Value::undefined("No aggregated item, sequence was empty.");
  }
  auto key = [&](const Value& x) { return attribute ? get_path(x, *attribute) : x; };
  Value best = items[0];
  for (const auto& item : items) {
    bool better = want_max ? less_than(key(best), key(item), !case_sensitive)
                           : less_than(key(item), key(best), !case_sensitive);
    if (better) {
      best = item;
    }
  }
  return best;
}
Value f_min(const Value& v, const Arguments& a) {
  return extreme(v, a, false);
}
Value f_max(const Value& v, const Arguments& a) {
  return extreme(v, a, true);
}

Value f_sum(const Value& v, const Arguments& a) {
  const Value* attribute = arg(a, 0, "attribute");
  const Value* start = arg(a, 1, "start");
  Value total = start ? *start : Value(0);
  for (const auto& item : iterate(v)) {
    total = binary_op("+", total, attribute ? get_path(item, *attribute) : item);
  }
  return total;
}

Value f_map(const Value& v, const Arguments& a) {
  std::vector<Value> out;
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [k, val] : a.keyword) {
    if (k == "attribute") {
      attribute = &val;
    } else if (k == "default") {
      fallback = &val;
    }
  }
  if (attribute) {
    for (const auto& item : iterate(v)) {
      Value x = get_path(item, *attribute);
      out.push_back(x.is_undefined() && fallback ? *fallback : x);
    }
    return Value::array(std::move(out));
  }
  if (a.positional.empty()) {
    raise_error("TypeError: map() needs a filter name or attribute=");
  }
  std::string name = a.positional[0].str();
  FilterFn fn = find_filter(name);
  if (!fn) {
    raise_error("TemplateAssertionError: No filter named '" + name + "'.");
  }
  Arguments rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.keyword = a.keyword;
  for (const auto& item : iterate(v)) {
    out.push_back(fn(item, rest));
  }
  return Value::array(std::move(out));
}

// select/reject/selectattr/rejectattr share this: keep items whose (attribute's) test result
// equals `keep`.
Value filter_items(const Value& v, const Arguments& a, bool by_attribute, bool keep) {
  size_t first = by_attribute ? 1 : 0;
  if (by_attribute && a.positional.empty()) {
    raise_error("TypeError: selectattr/rejectattr need an attribute");
  }
  TestFn test = nullptr;
  if (a.positional.size() > first) {
    std::string name = a.positional[first].str();
    test = find_test(name);
    if (!test) {
      raise_error("TemplateRuntimeError: No test named '" + name + "'.");
    }
  }
  Arguments rest;
  if (a.positional.size() > first + 1) {
    rest.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(first + 1),
                           a.positional.end());
  }
  rest.keyword = a.keyword;
  std::vector<Value> out;
  for (const auto& item : iterate(v)) {
    Value x = by_attribute ? get_path(item, a.positional[0]) : item;
    bool result = test ? test(x, rest) : x.truthy();
    if (result == keep) {
      out.push_back(item);
    }
  }
  return Value::array(std::move(out));
}
Value f_select(const Value& v, const Arguments& a) {
  return filter_items(v, a, false, true);
}
Value f_reject(const Value& v, const Arguments& a) {
  return filter_items(v, a, false, false);
}
Value f_selectattr(const Value& v, const Arguments& a) {
  return filter_items(v, a, true, true);
}
Value f_rejectattr(const Value& v, const Arguments& a) {
  return filter_items(v, a, true, false);
}

// HF's tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(const Value& v, const Arguments& a) {
  Value::JsonStyle style;
  style.ensure_ascii = arg_bool(a, 0, "ensure_ascii", false);
  if (const Value* indent = arg(a, 1, "indent"); indent && !indent->is_none()) {
    style.indent = static_cast<int>(indent->as_int());
  }
  if (const Value* separators = arg(a, 2, "separators"); separators && !separators->is_none()) {
    if (!separators->is_array() || separators->items().size() != 2) {
      raise_error("ValueError: separators should be an (item_separator, key_separator) pair");
    }
    style.item_separator = separators->items()[0].str();
    style.key_separator = separators->items()[1].str();
  }
  style.sort_keys = arg_bool(a, 3, "sort_keys", false);
  return Value(v.to_json(style));
}

Value f_int(const Value& v, const Arguments& a) {
  int64_t fallback = arg_int(a, 0, "default", 0);
  int64_t base = arg_int(a, 1, "base", 10);
  if (v.is_number()) {
    return Value(v.as_int());
  }
  if (v.is_string()) {
    std::string s = strip_chars(v.as_string(), nullptr, true, true);
    char* end = nullptr;
    long long x = std::strtoll(s.c_str(), &end, static_cast<int>(base));
    if (!s.empty() && end && *end == '\0') {
      return Value(static_cast<int64_t>(x));
    }
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0') {
      return Value(static_cast<int64_t>(d));
    }
  }
  return Value(fallback);
}

Value f_float(const Value& v, const Arguments& a) {
  const Value* fallback = arg(a, 0, "default");
  if (v.is_number()) {
    return Value(v.as_float());
  }
  if (v.is_string()) {
    std::string s = strip_chars(v.as_string(), nullptr, true, true);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == '\0') {
      return Value(d);
    }
  }
  return fallback ? Value(fallback->as_float()) : Value(0.0);
}

Value f_abs(const Value& v, const Arguments&) {
  if (v.is_float()) {
    return Value(std::fabs(v.as_float()));
  }
  if (v.is_number()) {
    return Value(static_cast<int64_t>(std::llabs(v.as_int())));
  }
  raise_error("TypeError: bad operand type for abs(): '" + v.type_name() + "'");
}

Value f_round(const Value& v, const Arguments& a) {
  int64_t precision = arg_int(a, 0, "precision", 0);
  const Value* method = arg(a, 1, "method");
  std::string how = method ? method->str() : "common";
  double scale = std::pow(10.0, static_cast<double>(precision));
  double x = v.as_float() * scale;
  // Python's round() breaks ties to even.
  double r = how == "ceil" ? std::ceil(x) : how == "floor" ? std::floor(x) : std::nearbyint(x);
  return Value(r / scale);
}

Value f_items(const Value& v, const Arguments&) {
  std::vector<Value> out;
  if (v.is_undefined()) {
    return Value::array();
  }
  if (!v.is_object()) {
    raise_error("TypeError: can only get item pairs from a mapping.");
  }
  for (const auto& [k, val] : v.members().items) {
    out.push_back(Value::tuple({Value(k), val}));
  }
  return Value::array(std::move(out));
}

Value f_dictsort(const Value& v, const Arguments& a) {
  bool case_sensitive = arg_bool(a, 0, "case_sensitive", false);
  const Value* by = arg(a, 1, "by");
  bool reverse = arg_bool(a, 2, "reverse", false);
  size_t index = by && by->str() == "value" ? 1 : 0;
  auto pairs = f_items(v, {}).items();
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    const Value &l = x.items()[index], &r = y.items()[index];
    return reverse ? less_than(r, l, !case_sensitive) : less_than(l, r, !case_sensitive);
  });
  return Value::array(std::move(pairs));
}

Value f_batch(const Value& v, const Arguments& a) {
  int64_t size = arg_int(a, 0, "linecount", 1);
  const Value* fill = arg(a, 1, "fill_with");
  if (size <= 0) {
    raise_error("ValueError: batch size must be positive");
  }
  std::vector<Value> out, current;
  for (const auto& item : iterate(v)) {
    current.push_back(item);
    if (static_cast<int64_t>(current.size()) == size) {
      out.push_back(Value::array(std::move(current)));
      current.clear();
    }
  }
  if (!current.empty()) {
    while (fill && static_cast<int64_t>(current.size()) < size) {
      current.push_back(*fill);
    }
    out.push_back(Value::array(std::move(current)));
  }
  return Value::array(std::move(out));
}

Value f_format(const Value& v, const Arguments& a) {
  return Value(percent_format(v.str(), a.positional));
}

Value f_indent(const Value& v, const Arguments& a) {
  const Value* width_v = arg(a, 0, "width");
  std::string pad = width_v && width_v->is_string()
                        ? width_v->as_string()
                        : std::string(static_cast<size_t>(width_v ? width_v->as_int() : 4), ' ');
  bool first = arg_bool(a, 1, "first", false);
  bool blank = arg_bool(a, 2, "blank", false);
  std::string s = v.str(), out;
  size_t start = 0;
  for (size_t line = 0;; ++line) {
    size_t nl = s.find('\n', start);
    std::string text = s.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    bool indent = (line > 0 || first) && (blank || !strip_chars(text, nullptr, true, true).empty());
    out += (indent ? pad : "") + text;
    if (nl == std::string::npos) {
      break;
    }
    out += '\n';
    start = nl + 1;
  }
  return Value(out);
}

Value f_center(const Value& v, const Arguments& a) {
  auto width = static_cast<size_t>(arg_int(a, 0, "width", 80));
  std::string s = v.str();
  size_t n = v.is_string() ? v.length() : code_points(s).size();
  if (n >= width) {
    return Value(s);
  }
  size_t total = width - n;
  // Python's str.center puts the odd space on the right unless the width is odd.
  size_t left = total / 2 + (total & width & 1);
  return Value(std::string(left, ' ') + s + std::string(total - left, ' '));
}

Value f_wordcount(const Value& v, const Arguments&) {
  int64_t words = 0;
  bool in_word = false;
  std::string s = v.str();
  for (size_t i = 0; i < s.size();) {
    bool w = tokenizer::detail::is_word_char(tokenizer::detail::next_code_point(s, i));
    words += w && !in_word;
    in_word = w;
  }
  return Value(words);
}

Value f_escape(const Value& v, const Arguments&) {
  std::string out;
  for (char c : v.str()) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&#34;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return Value(out);
}

Value f_attr(const Value& v, const Arguments& a) {
  const Value* name = arg(a, 0, "name");
  return name ? get_attr(v, name->str()) : Value();
}

} // namespace

FilterFn find_filter(std::string_view name) {
  static const std::map<std::string_view, FilterFn> filters = {
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", f_batch},
      {"capitalize", f_capitalize},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"e", f_escape},
      {"escape", f_escape},
      {"first", f_first},
      {"float", f_float},
      {"format", f_format},
      {"indent", f_indent},
      {"int", f_int},
      {"items", f_items},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", f_lower},
      {"map", f_map},
      {"max", f_max},
      {"min", f_min},
      {"reject", f_reject},
      {"rejectattr", f_rejectattr},
      {"replace", f_replace},
      {"reverse", f_reverse},
      {"round", f_round},
      {"safe", f_safe},
      {"select", f_select},
      {"selectattr", f_selectattr},
      {"sort", f_sort},
      {"string", f_string},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"unique", f_unique},
      {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  auto it = filters.find(name);
  return it == filters.end() ? nullptr : it->second;
}

} // namespace mlxcpp::tokenizer::jinja::detail
