#include "tokenizer/jinja/parser.h"

#include "tokenizer/jinja/parser_impl.h"

namespace mlxcpp::tokenizer::jinja::detail {

// Statements up to (not including) a block tag named in `ends`.
Body Parser::parse_body(const std::set<std::string>& ends) {
  Body body;
  for (;;) {
    const Token& t = peek();
    if (t.type == T::End) {
      if (!ends.empty()) {
        std::string names;
        for (const auto& e : ends) {
          names += (names.empty() ? "'" : " or '") + e + "'";
        }
        fail("unexpected end of template, expected " + names);
      }
      return body;
    }
    if (t.type == T::Text) {
      auto s = node<Stmt>(Stmt::Kind::Text, t);
      s->text = next().text;
      body.push_back(std::move(s));
    } else if (t.type == T::VarBegin) {
      next();
      auto s = node<Stmt>(Stmt::Kind::Output, t);
      s->expr = parse_tuple(true);
      if (peek().type != T::VarEnd) {
        fail("expected end of print statement, got " + describe(peek()));
      }
      next();
      body.push_back(std::move(s));
    } else if (t.type == T::BlockBegin) {
      if (peek(1).type == T::Name && ends.count(peek(1).text)) {
        return body;
      }
      next();
      body.push_back(parse_statement(t));
    } else {
      fail("unexpected " + describe(t));
    }
  }
}

// Consumes `{% name` of an end or middle tag.
void Parser::open_tag(const char* name) {
  if (peek().type != T::BlockBegin || !is_name(name, 1)) {
    fail(std::string("expected '") + name + "'");
  }
  next();
  next();
}

StmtPtr Parser::parse_statement(const Token& begin) {
  const Token& keyword = peek();
  if (keyword.type != T::Name) {
    fail("expected a statement name, got " + describe(keyword));
  }
  std::string name = next().text;
  if (name == "if") {
    return parse_if(begin);
  }
  if (name == "for") {
    return parse_for(begin);
  }
  if (name == "set") {
    return parse_set(begin);
  }
  if (name == "macro") {
    return parse_macro(begin);
  }
  if (name == "call") {
    return parse_call_block(begin);
  }
  if (name == "filter") {
    auto s = node<Stmt>(Stmt::Kind::FilterBlock, begin);
    parse_filter_chain(s->filters);
    expect_block_end();
    s->bodies.push_back(parse_body({"endfilter"}));
    open_tag("endfilter");
    expect_block_end();
    return s;
  }
  if (name == "break" || name == "continue") {
    if (loop_depth_ == 0) {
      fail_at("'" + name + "' outside of a loop", keyword);
    }
    expect_block_end();
    return node<Stmt>(name == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue, begin);
  }
  if (name == "generation") {
    auto s = node<Stmt>(Stmt::Kind::Scope, begin);
    expect_block_end();
    s->bodies.push_back(parse_body({"endgeneration"}));
    open_tag("endgeneration");
    expect_block_end();
    return s;
  }
  fail_at("Encountered unknown tag '" + name + "'", keyword);
}

StmtPtr Parser::parse_if(const Token& begin) {
  auto s = node<Stmt>(Stmt::Kind::If, begin);
  s->conds.push_back(parse_tuple(true));
  expect_block_end();
  for (;;) {
    s->bodies.push_back(parse_body({"elif", "else", "endif"}));
    next(); // {%
    std::string tag = next().text;
    if (tag == "elif") {
      s->conds.push_back(parse_tuple(true));
      expect_block_end();
    } else if (tag == "else") {
      expect_block_end();
      s->bodies.push_back(parse_body({"endif"}));
      open_tag("endif");
      expect_block_end();
      return s;
    } else {
      expect_block_end();
      return s;
    }
  }
}

void Parser::parse_targets(std::vector<std::string>& targets) {
  bool paren = is_op("(");
  if (paren) {
    next();
  }
  targets.push_back(expect_name());
  while (is_op(",")) {
    next();
    if (peek().type != T::Name) {
      break;
    }
    targets.push_back(expect_name());
  }
  if (paren) {
    expect_op(")");
  }
}

StmtPtr Parser::parse_for(const Token& begin) {
  auto s = node<Stmt>(Stmt::Kind::For, begin);
  parse_targets(s->targets);
  if (!is_name("in")) {
    fail("expected 'in', got " + describe(peek()));
  }
  next();
  s->expr = parse_tuple(false);
  if (is_name("if")) {
    next();
    s->conds.push_back(parse_tuple(true));
  }
  if (is_name("recursive")) {
    fail("recursive loops are not supported");
  }
  expect_block_end();
  ++loop_depth_;
  s->bodies.push_back(parse_body({"else", "endfor"}));
  --loop_depth_;
  next();
  if (next().text == "else") {
    expect_block_end();
    s->bodies.push_back(parse_body({"endfor"}));
    open_tag("endfor");
  }
  expect_block_end();
  return s;
}

StmtPtr Parser::parse_set(const Token& begin) {
  auto s = node<Stmt>(Stmt::Kind::Set, begin);
  if (peek().type == T::Name && is_op(".", 1)) {
    s->targets.push_back(next().text);
    next();
    s->targets.push_back(expect_name());
    s->attr_target = true;
  } else {
    parse_targets(s->targets);
  }
  if (is_op("=")) {
    next();
    s->expr = parse_tuple(true);
    expect_block_end();
    return s;
  }
  if (s->targets.size() != 1 || s->attr_target) {
    fail("expected '='");
  }
  s->kind = Stmt::Kind::SetBlock;
  if (is_op("|")) {
    parse_filter_chain(s->filters);
  }
  expect_block_end();
  s->bodies.push_back(parse_body({"endset"}));
  open_tag("endset");
  expect_block_end();
  return s;
}

void Parser::parse_params(Stmt& s) {
  expect_op("(");
  while (!is_op(")")) {
    s.params.push_back(expect_name());
    if (is_op("=")) {
      next();
      s.defaults.push_back(parse_expression(true));
    } else {
      s.defaults.push_back(nullptr);
    }
    if (!is_op(",")) {
      break;
    }
    next();
  }
  expect_op(")");
}

StmtPtr Parser::parse_macro(const Token& begin) {
  auto s = node<Stmt>(Stmt::Kind::Macro, begin);
  s->name = expect_name();
  parse_params(*s);
  expect_block_end();
  int saved = loop_depth_;
  loop_depth_ = 0;
  s->bodies.push_back(parse_body({"endmacro"}));
  loop_depth_ = saved;
  open_tag("endmacro");
  expect_block_end();
  return s;
}

StmtPtr Parser::parse_call_block(const Token& begin) {
  auto s = node<Stmt>(Stmt::Kind::CallBlock, begin);
  if (is_op("(")) {
    parse_params(*s);
  }
  s->expr = parse_expression(true);
  if (s->expr->kind != Expr::Kind::Call) {
    fail_at("expected a call after 'call'", begin);
  }
  expect_block_end();
  s->bodies.push_back(parse_body({"endcall"}));
  open_tag("endcall");
  expect_block_end();
  return s;
}

void Parser::parse_filter_chain(std::vector<ExprPtr>& filters) {
  do {
    if (is_op("|")) {
      next();
    }
    const Token& at = peek();
    auto f = node<Expr>(Expr::Kind::Filter, at);
    f->name = expect_name();
    f->children.push_back(nullptr);
    if (is_op("(")) {
      parse_call_args(*f);
    }
    filters.push_back(std::move(f));
  } while (is_op("|"));
}

Body parse_template(const std::string& source) {
  return Parser(tokenize(source)).parse_all();
}

} // namespace mlxcpp::tokenizer::jinja::detail
