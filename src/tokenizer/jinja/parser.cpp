#include "tokenizer/jinja/parser.h"

#include <set>

#include "mlxcpp/tokenizer/jinja.h"
#include "tokenizer/jinja/lexer.h"

namespace mlxcpp::tokenizer::jinja::detail {

namespace {

using T = Token::Type;

class Parser {
public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Body parse_all() {
    Body body = parse_body({});
    if (peek().type != T::End) {
      fail("unexpected '" + block_name() + "'");
    }
    return body;
  }

private:
  // --- token helpers ---
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) {
      ++pos_;
    }
    return t;
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(what, peek()); }
  [[noreturn]] static void fail_at(const std::string& what, const Token& t) {
    throw TemplateError(what, t.line, t.column);
  }
  bool is_op(const char* op, size_t ahead = 0) const {
    return peek(ahead).type == T::Op && peek(ahead).text == op;
  }
  bool is_name(const char* name, size_t ahead = 0) const {
    return peek(ahead).type == T::Name && peek(ahead).text == name;
  }
  void expect_op(const char* op) {
    if (!is_op(op)) {
      fail(std::string("expected '") + op + "', got " + describe(peek()));
    }
    next();
  }
  std::string expect_name() {
    if (peek().type != T::Name) {
      fail("expected a name, got " + describe(peek()));
    }
    return next().text;
  }
  static std::string describe(const Token& t) {
    switch (t.type) {
    case T::End:
      return "end of template";
    case T::BlockEnd:
      return "end of statement block";
    case T::VarEnd:
      return "end of print statement";
    case T::String:
      return "a string";
    default:
      return "'" + t.text + "'";
    }
  }
  void expect_block_end() {
    if (peek().type != T::BlockEnd) {
      fail("expected end of statement block, got " + describe(peek()));
    }
    next();
  }
  std::string block_name() const {
    return peek().type == T::BlockBegin && peek(1).type == T::Name ? peek(1).text
                                                                   : describe(peek());
  }

  template <class N>
  static std::unique_ptr<N> node(typename N::Kind kind, const Token& at) {
    auto n = std::make_unique<N>();
    n->kind = kind;
    n->line = at.line;
    n->column = at.column;
    return n;
  }

  // --- statements ---

  // Statements up to (not including) a block tag named in `ends`.
  Body parse_body(const std::set<std::string>& ends) {
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
  void open_tag(const char* name) {
    if (peek().type != T::BlockBegin || !is_name(name, 1)) {
      fail(std::string("expected '") + name + "'");
    }
    next();
    next();
  }

  StmtPtr parse_statement(const Token& begin) {
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

  StmtPtr parse_if(const Token& begin) {
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

  void parse_targets(std::vector<std::string>& targets) {
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

  StmtPtr parse_for(const Token& begin) {
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

  StmtPtr parse_set(const Token& begin) {
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

  void parse_params(Stmt& s) {
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

  StmtPtr parse_macro(const Token& begin) {
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

  StmtPtr parse_call_block(const Token& begin) {
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

  void parse_filter_chain(std::vector<ExprPtr>& filters) {
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

  // --- expressions ---

  ExprPtr parse_tuple(bool with_condexpr) {
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

  ExprPtr parse_expression(bool with_condexpr) {
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

  ExprPtr binary(const Token& at, std::string op, ExprPtr l, ExprPtr r) {
    auto b = node<Expr>(Expr::Kind::Binary, at);
    b->name = std::move(op);
    b->children.push_back(std::move(l));
    b->children.push_back(std::move(r));
    return b;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (is_name("or")) {
      const Token& at = next();
      e = binary(at, "or", std::move(e), parse_and());
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (is_name("and")) {
      const Token& at = next();
      e = binary(at, "and", std::move(e), parse_not());
    }
    return e;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      const Token& at = next();
      auto u = node<Expr>(Expr::Kind::Unary, at);
      u->name = "not";
      u->children.push_back(parse_not());
      return u;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const Token& at = peek();
    ExprPtr first = parse_math1();
    ExprPtr cmp;
    for (;;) {
      std::string op;
      if (peek().type == T::Op &&
          (peek().text == "==" || peek().text == "!=" || peek().text == "<" ||
           peek().text == "<=" || peek().text == ">" || peek().text == ">=")) {
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

  ExprPtr parse_math1() {
    ExprPtr e = parse_concat();
    while (is_op("+") || is_op("-")) {
      const Token& at = next();
      e = binary(at, at.text, std::move(e), parse_concat());
    }
    return e;
  }

  ExprPtr parse_concat() {
    ExprPtr e = parse_math2();
    while (is_op("~")) {
      const Token& at = next();
      e = binary(at, "~", std::move(e), parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    ExprPtr e = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      const Token& at = next();
      e = binary(at, at.text, std::move(e), parse_pow());
    }
    return e;
  }

  ExprPtr parse_pow() {
    ExprPtr e = parse_unary(true);
    while (is_op("**")) {
      const Token& at = next();
      e = binary(at, "**", std::move(e), parse_unary(true));
    }
    return e;
  }

  ExprPtr parse_unary(bool with_filter) {
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

  ExprPtr literal(const Token& at, Value v) {
    auto e = node<Expr>(Expr::Kind::Literal, at);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parse_primary() {
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

  ExprPtr parse_postfix(ExprPtr e) {
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

  ExprPtr parse_subscript(const Token& at, ExprPtr target) {
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

  void parse_call_args(Expr& call) {
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

  ExprPtr parse_call(const Token& at, ExprPtr callee) {
    auto call = node<Expr>(Expr::Kind::Call, at);
    call->children.push_back(std::move(callee));
    parse_call_args(*call);
    return call;
  }

  ExprPtr parse_filter_expr(ExprPtr e) {
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

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int loop_depth_ = 0;
};

} // namespace

Body parse_template(const std::string& source) {
  return Parser(tokenize(source)).parse_all();
}

} // namespace mlxcpp::tokenizer::jinja::detail
