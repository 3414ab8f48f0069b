// Random input never crashes: templates built from Jinja fragments either render or raise
// TemplateError, and random bytes always encode.
#include <gtest/gtest.h>

#include <random>

#include "mlxcpp/tokenizer/chat_template.h"
#include "mlxcpp/tokenizer/jinja.h"
#include "mlxcpp/tokenizer/tokenizer.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

TEST(Robustness, RandomTemplatesRenderOrRaiseTemplateError) {
  const std::vector<std::string> pieces = {
      "{{",         "}}",         "{%",     "%}",      "{#",       "#}",     "-",       "+",
      " if ",       " for ",      " in ",   " endif ", " endfor ", " else ", " set ",   " = ",
      "x",          "xs",         "d",      "'s'",     "\"t\"",    "1",      "2.5",     "(",
      ")",          "[",          "]",      "{",       "}",        ",",      ".",       ":",
      "|",          " length ",   " join ", " is ",    " not ",    " and ",  " or ",    "~",
      "+",          "*",          "/",      "//",      "%",        "**",     "==",      "<",
      "macro ",     "endmacro",   "call ",  "endcall", "raw",      "endraw", "filter ", "endfilter",
      "namespace(", "loop.index", "\n",     " "};
  auto context = to_jinja(nlohmann::ordered_json::parse(
      R"({"x": 3, "xs": [1, "a", null, {"k": [1]}], "d": {"a": 1}})"));
  std::mt19937 rng(1234);
  int rendered = 0, raised = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string source;
    int n = 1 + static_cast<int>(rng() % 25);
    for (int k = 0; k < n; ++k) {
      source += pieces[rng() % pieces.size()];
    }
    try {
      jinja::Template(source).render(context);
      ++rendered;
    } catch (const jinja::TemplateError&) {
      ++raised;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected " << typeid(e).name() << " '" << e.what() << "' for: " << source;
    }
  }
  EXPECT_GT(rendered, 100);
  EXPECT_GT(raised, 100);
}

TEST(Robustness, RandomBytesAlwaysEncode) {
  std::mt19937 rng(99);
  for (const char* name : {"wordpiece", "unigram", "wordlevel", "bpe_suffix", "sentencepiece"}) {
    Tokenizer tok =
        Tokenizer::from_file(testing::own_fixtures_dir() / (std::string(name) + ".tokenizer.json"));
    for (int i = 0; i < 200; ++i) {
      std::string bytes(rng() % 64, '\0');
      for (char& c : bytes) {
        c = static_cast<char>(rng() % 256);
      }
      std::vector<int32_t> ids;
      ASSERT_NO_THROW(ids = tok.encode(bytes, true)) << name;
      ASSERT_NO_THROW(tok.decode(ids)) << name;
    }
  }
}

} // namespace
} // namespace mlxcpp::tokenizer

namespace mlxcpp::tokenizer {
namespace {

TEST(Robustness, WrongTypesInFiltersAndOperatorsAreTemplateErrors) {
  auto context = jinja::Value::object();
  for (const char* source :
       {"{{ 'a'|round }}", "{{ 'a'|abs }}", "{{ [1]|batch('x') }}", "{{ 'a' - 1 }}", "{{ -'a' }}",
        "{{ range('a') }}", "{{ 1e300|int }}", "{{ {}|join(1) }}", "{{ 'x'|indent(none) }}",
        "{{ [1, 'a']|sort }}", "{{ 'a'.split(1) }}", "{{ 3 is divisibleby 'x' }}",
        "{{ (1, 2).count }}", "{% for a, b in [1] %}{% endfor %}", "{{ 'ab' * 'c' }}"}) {
    try {
      jinja::Template(source).render(context);
    } catch (const jinja::TemplateError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << source << ": " << typeid(e).name() << " " << e.what();
    }
  }
}

} // namespace
} // namespace mlxcpp::tokenizer
