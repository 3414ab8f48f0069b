// Expressions, lowest precedence first: conditional, or, and, not, comparisons, + -, ~,
// * / // %, **, unary minus/plus, then postfix (.attr, [index], call) and filters/tests.
#include "tokenizer/jinja/parser_impl.h"

namespace mlxcpp::tokenizer::jinja::detail {

ExprPtr Parser::parse_tuple(bool with_condexpr) {
  const Token& at = peek();
  ExprPtr first = parse_expression(with_condexpr);
  if (!is_op(",")) {
    return first;
  }
  auto t = node<Expr>(Expr::Kind::Tuple, at);
  t->children.push_back(std::move(first));
  while (is_op(",")) {
    next();
    if (peek().type == T::VarEnd || peek().type == T::BlockEnd || is_op(")") || is_name("if") ||
        is_name("in")) {
      break;
    }
    t->children.push_back(parse_expression(with_condexpr));
  }
  return t;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  ExprPtr e = parse_or();
  while (with_condexpr && is_name("if")) {
    const Token& at = next();
    auto c = node<Expr>(Expr::Kind::Cond, at);
    c->children.push_back(std::move(e));
    c->children.push_back(parse_or());
    if (is_name("else")) {
      next();
      c->children.push_back(parse_expression(true));
    } else {
      c->children.push_back(nullptr);
    }
    e = std::move(c);
  }
  return e;
}

ExprPtr Parser::binary(const Token& at, std::string op, ExprPtr l, ExprPtr r) {
  auto b = node<Expr>(Expr::Kind::Binary, at);
  b->name = std::move(op);
  b->children.push_back(std::move(l));
  b->children.push_back(std::move(r));
  return b;
}

ExprPtr Parser::parse_or() {
  ExprPtr e = parse_and();
  while (is_name("or")) {
    const Token& at = next();
    e = binary(at, "or", std::move(e), parse_and());
  }
  return e;
}

ExprPtr Parser::parse_and() {
  ExprPtr e = parse_not();
  while (is_name("and")) {
    const Token& at = next();
    e = binary(at, "and", std::move(e), parse_not());
  }
  return e;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    const Token& at = next();
    auto u = node<Expr>(Expr::Kind::Unary, at);
    u->name = "not";
    u->children.push_back(parse_not());
    return u;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Token& at = peek();
  ExprPtr first = parse_math1();
  ExprPtr cmp;
  for (;;) {
    std::string op;
    if (peek().type == T::Op &&
        (peek().text == "==" || peek().text == "!=" || peek().text == "<" || peek().text == "<=" ||
         peek().text == ">" || peek().text == ">=")) {
      op = next().text;
    } else if (is_name("in")) {
      next();
      op = "in";
    } else if (is_name("not") && is_name("in", 1)) {
      next();
      next();
      op = "notin";
    } else {
      break;
    }
    if (!cmp) {
      cmp = node<Expr>(Expr::Kind::Compare, at);
      cmp->children.push_back(std::move(first));
    }
    cmp->ops.push_back(op);
    cmp->children.push_back(parse_math1());
  }
  return cmp ? std::move(cmp) : std::move(first);
}

ExprPtr Parser::parse_math1() {
  ExprPtr e = parse_concat();
  while (is_op("+") || is_op("-")) {
    const Token& at = next();
    e = binary(at, at.text, std::move(e), parse_concat());
  }
  return e;
}

ExprPtr Parser::parse_concat() {
  ExprPtr e = parse_math2();
  while (is_op("~")) {
    const Token& at = next();
    e = binary(at, "~", std::move(e), parse_math2());
  }
  return e;
}

ExprPtr Parser::parse_math2() {
  ExprPtr e = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const Token& at = next();
    e = binary(at, at.text, std::move(e), parse_pow());
  }
  return e;
}

ExprPtr Parser::parse_pow() {
  ExprPtr e = parse_unary(true);
  while (is_op("**")) {
    const Token& at = next();
    e = binary(at, "**", std::move(e), parse_unary(true));
  }
  return e;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  ExprPtr e;
  if (is_op("-") || is_op("+")) {
    const Token& at = next();
    e = node<Expr>(Expr::Kind::Unary, at);
    e->name = at.text;
    e->children.push_back(parse_unary(false));
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  if (with_filter) {
    e = parse_filter_expr(std::move(e));
  }
  return e;
}

ExprPtr Parser::literal(const Token& at, Value v) {
  auto e = node<Expr>(Expr::Kind::Literal, at);
  e->value = std::move(v);
  return e;
}

ExprPtr Parser::parse_primary() {
  const Token& t = peek();
  switch (t.type) {
  case T::Name: {
    next();
    if (t.text == "true" || t.text == "True") {
      return literal(t, Value(true));
    }
    if (t.text == "false" || t.text == "False") {
      return literal(t, Value(false));
    }
    if (t.text == "none" || t.text == "None") {
      return literal(t, Value(nullptr));
    }
    auto e = node<Expr>(Expr::Kind::Name, t);
    e->name = t.text;
    return e;
  }
  case T::String: {
    std::string s = next().text;
    while (peek().type == T::String) {
      s += next().text; // adjacent literals concatenate
    }
    return literal(t, Value(std::move(s)));
  }
  case T::Int:
    next();
    try {
      return literal(t, Value(static_cast<int64_t>(std::stoll(t.text))));
    } catch (const std::out_of_range&) {
      fail_at("integer literal out of range", t);
    }
  case T::Float:
    next();
    return literal(t, Value(std::stod(t.text)));
  case T::Op:
    if (t.text == "(") {
      next();
      if (is_op(")")) {
        next();
        auto e = node<Expr>(Expr::Kind::Tuple, t);
        return e;
      }
      ExprPtr inner = parse_expression(true);
      if (is_op(",")) {
        auto tuple = node<Expr>(Expr::Kind::Tuple, t);
        tuple->children.push_back(std::move(inner));
        while (is_op(",")) {
          next();
          if (is_op(")")) {
            break;
          }
          tuple->children.push_back(parse_expression(true));
        }
        inner = std::move(tuple);
      }
      expect_op(")");
      return inner;
    }
    if (t.text == "[") {
      next();
      auto e = node<Expr>(Expr::Kind::List, t);
      while (!is_op("]")) {
        e->children.push_back(parse_expression(true));
        if (!is_op(",")) {
          break;
        }
        next();
      }
      expect_op("]");
      return e;
    }
    if (t.text == "{") {
      next();
      auto e = node<Expr>(Expr::Kind::Dict, t);
      while (!is_op("}")) {
        e->children.push_back(parse_expression(true));
        expect_op(":");
        e->children.push_back(parse_expression(true));
        if (!is_op(",")) {
          break;
        }
        next();
      }
      expect_op("}");
      return e;
    }
    break;
  default:
    break;
  }
  fail("Expected an expression, got " + describe(t));
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
  for (;;) {
    const Token& at = peek();
    if (is_op(".")) {
      next();
      if (peek().type == T::Int) {
        auto item = node<Expr>(Expr::Kind::Item, at);
        item->children.push_back(std::move(e));
        item->children.push_back(
            literal(peek(), Value(static_cast<int64_t>(std::stoll(next().text)))));
        e = std::move(item);
        continue;
      }
      auto attr = node<Expr>(Expr::Kind::Attr, at);
      attr->name = expect_name();
      attr->children.push_back(std::move(e));
      e = std::move(attr);
    } else if (is_op("[")) {
      next();
      e = parse_subscript(at, std::move(e));
    } else if (is_op("(")) {
      e = parse_call(at, std::move(e));
    } else {
      return e;
    }
  }
}

ExprPtr Parser::parse_subscript(const Token& at, ExprPtr target) {
  ExprPtr parts[3];
  bool slice = false;
  for (int k = 0; k < 3; ++k) {
    if (!is_op(":") && !is_op("]")) {
      parts[k] = parse_expression(true);
    }
    if (k < 2 && is_op(":")) {
      next();
      slice = true;
      continue;
    }
    break;
  }
  expect_op("]");
  if (!slice) {
    if (!parts[0]) {
      fail_at("expected a subscript", at);
    }
    auto item = node<Expr>(Expr::Kind::Item, at);
    item->children.push_back(std::move(target));
    item->children.push_back(std::move(parts[0]));
    return item;
  }
  auto s = node<Expr>(Expr::Kind::Slice, at);
  s->children.push_back(std::move(target));
  for (auto& p : parts) {
    s->children.push_back(std::move(p));
  }
  return s;
}

void Parser::parse_call_args(Expr& call) {
  expect_op("(");
  while (!is_op(")")) {
    if (peek().type == T::Name && is_op("=", 1)) {
      call.kwargs.push_back(next().text);
      next();
      call.children.push_back(parse_expression(true));
    } else {
      if (!call.kwargs.empty()) {
        fail("positional argument follows keyword argument");
      }
      call.children.push_back(parse_expression(true));
    }
    if (!is_op(",")) {
      break;
    }
    next();
  }
  expect_op(")");
}

ExprPtr Parser::parse_call(const Token& at, ExprPtr callee) {
  auto call = node<Expr>(Expr::Kind::Call, at);
  call->children.push_back(std::move(callee));
  parse_call_args(*call);
  return call;
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
  for (;;) {
    const Token& at = peek();
    if (is_op("|")) {
      next();
      auto f = node<Expr>(Expr::Kind::Filter, at);
      f->name = expect_name();
      while (is_op(".")) {
        next();
        f->name += "." + expect_name();
      }
      f->children.push_back(std::move(e));
      if (is_op("(")) {
        parse_call_args(*f);
      }
      e = std::move(f);
    } else if (is_name("is")) {
      next();
      auto t = node<Expr>(Expr::Kind::Test, at);
      if (is_name("not")) {
        next();
        t->negated = true;
      }
      t->name = expect_name();
      t->children.push_back(std::move(e));
      if (is_op("(")) {
        parse_call_args(*t);
      } else if ((peek().type == T::Name || peek().type == T::String || peek().type == T::Int ||
                  peek().type == T::Float || is_op("[") || is_op("{")) &&
                 !is_name("else") && !is_name("or") && !is_name("and")) {
        if (is_name("is")) {
          fail("You cannot chain multiple tests with is");
        }
        t->children.push_back(parse_postfix(parse_primary()));
      }
      e = std::move(t);
    } else if (is_op("(")) {
      e = parse_call(at, std::move(e));
    } else {
      return e;
    }
  }
}

} // namespace mlxcpp::tokenizer::jinja::detail
