// The Jinja engine against Jinja2 as transformers configures it (jinja.jsonl.gz, made by
// scripts/make_tokenizer_fixtures.py from scripts/jinja_cases.py), plus error positions.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mlxcpp/tokenizer/chat_template.h"
#include "mlxcpp/tokenizer/jinja.h"
#include "tokenizer/fixtures.h"

namespace mlxcpp::tokenizer {
namespace {

using jinja::Template;
using jinja::TemplateError;

jinja::Value vars() {
  auto text = testing::read_file(testing::own_fixtures_dir() / "jinja_vars.json");
  return to_jinja(nlohmann::ordered_json::parse(text));
}

TEST(Jinja, MatchesJinja2OnFeatureCases) {
  auto lines = testing::read_lines(testing::own_fixtures_dir() / "jinja.jsonl.gz");
  ASSERT_GT(lines.size(), 60u);
  jinja::Value context = vars();
  for (const auto& line : lines) {
    auto row = nlohmann::json::parse(line);
    std::string name = row["name"], source = row["template"];
    SCOPED_TRACE(name + ": " + source);
    if (row.contains("error")) {
      EXPECT_THROW(Template(source).render(context), TemplateError) << row["error"];
      continue;
    }
    try {
      EXPECT_EQ(Template(source).render(context), row["rendered"].get<std::string>());
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
    }
  }
}

TEST(Jinja, SyntaxErrorsCarryTheirPosition) {
  try {
    Template("line one\n  {% if %}x{% endif %}");
    FAIL() << "expected a syntax error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 9);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
  EXPECT_THROW(Template("{{ 'unterminated }}"), TemplateError);
  EXPECT_THROW(Template("{% for x in y %}no end"), TemplateError);
  EXPECT_THROW(Template("{% endfor %}"), TemplateError);
  EXPECT_THROW(Template("{# never closed"), TemplateError);
  EXPECT_THROW(Template("{{ a b }}"), TemplateError);
  EXPECT_THROW(Template("{% break %}"), TemplateError);
}

TEST(Jinja, RenderErrorsCarryTheirPosition) {
  jinja::Value context = jinja::Value::object();
  try {
    Template("ok\n\n   {{ missing.attr }}").render(context);
    FAIL() << "expected an undefined error";
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(std::string(e.what()).find("'missing' is undefined"), std::string::npos);
  }
  try {
    Template("{{ raise_exception('bad roles') }}").render(context);
    FAIL() << "expected raise_exception to raise";
  } catch (const jinja::RaisedException& e) {
    EXPECT_NE(std::string(e.what()).find("bad roles"), std::string::npos);
  }
}

TEST(Jinja, StrftimeNowFormatsTheCurrentDate) {
  std::string year = Template("{{ strftime_now('%Y') }}").render(jinja::Value::object());
  ASSERT_EQ(year.size(), 4u);
  EXPECT_GE(std::stoi(year), 2024);
}

TEST(Jinja, MacrosOutlivingTheirScopeDoNotCrash) {
  // A macro stored in a namespace from inside a loop is called after the loop frame ended.
  const char* source = "{% set ns = namespace(m=none) %}{% for i in [1] %}{% macro f() %}x"
                       "{% endmacro %}{% set ns.m = f %}{% endfor %}{{ ns.m() }}";
  EXPECT_THROW(Template(source).render(jinja::Value::object()), TemplateError);
}

} // namespace
} // namespace mlxcpp::tokenizer

namespace mlxcpp::tokenizer {
namespace {

// Expected strings are Python's json.dumps with the same arguments.
TEST(Jinja, TojsonTakesJsonDumpsArguments) {
  auto context = to_jinja(nlohmann::ordered_json::parse(R"({"x": {"a": [1, {"b": "é😀"}]},
                                                             "s": "é😀\n", "y": {"b": 1, "a": [2]}})"));
  EXPECT_EQ(Template("{{ x|tojson(separators=(',', ':')) }}").render(context),
            R"({"a":[1,{"b":"é😀"}]})");
  EXPECT_EQ(Template("{{ s|tojson(ensure_ascii=true) }}").render(context),
            R"("\u00e9\ud83d\ude00\n")");
  EXPECT_EQ(
      Template("{{ y|tojson(indent=2, separators=(',', ' = '), sort_keys=true) }}").render(context),
      "{\n  \"a\" = [\n    2\n  ],\n  \"b\" = 1\n}");
  EXPECT_THROW(Template("{{ y|tojson(separators=',') }}").render(context), TemplateError);
}

} // namespace
} // namespace mlxcpp::tokenizer
