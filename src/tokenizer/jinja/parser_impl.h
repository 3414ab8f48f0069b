// The recursive-descent parser shared by parser.cpp (statements) and expression_parser.cpp
// (expressions, with Jinja's operator precedence).
#pragma once

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mlxcpp/tokenizer/jinja.h"
#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/lexer.h"

namespace mlxcpp::tokenizer::jinja::detail {

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

  // Statements (parser.cpp).
  Body parse_body(const std::set<std::string>& ends);
  void open_tag(const char* name);
  StmtPtr parse_statement(const Token& begin);
  StmtPtr parse_if(const Token& begin);
  void parse_targets(std::vector<std::string>& targets);
  StmtPtr parse_for(const Token& begin);
  StmtPtr parse_set(const Token& begin);
  void parse_params(Stmt& s);
  StmtPtr parse_macro(const Token& begin);
  StmtPtr parse_call_block(const Token& begin);
  void parse_filter_chain(std::vector<ExprPtr>& filters);

  // Expressions (expression_parser.cpp).
  ExprPtr parse_tuple(bool with_condexpr);
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr binary(const Token& at, std::string op, ExprPtr l, ExprPtr r);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr literal(const Token& at, Value v);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr e);
  ExprPtr parse_subscript(const Token& at, ExprPtr target);
  void parse_call_args(Expr& call);
  ExprPtr parse_call(const Token& at, ExprPtr callee);
  ExprPtr parse_filter_expr(ExprPtr e);

private:
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int loop_depth_ = 0;
};

} // namespace mlxcpp::tokenizer::jinja::detail
