// The parsed form of a template: expressions and statements as plain tagged nodes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mlxcpp/tokenizer/jinja_value.h"

namespace mlxcpp::tokenizer::jinja::detail {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal, // value
    Name,    // name
    Attr,    // children[0].name
    Item,    // children[0][children[1]]
    Slice,   // children[0][children[1]:children[2]:children[3]], null parts allowed
    Call,    // children[0](children[1..]), the last kwargs.size() of them keyword arguments
    Filter,  // children[0] | name(children[1..]); children[0] null inside a filter block
    Test,    // children[0] is [not] name(children[1..])
    Unary,   // op children[0]: "not", "-", "+"
    Binary,  // children[0] op children[1]: "or" "and" "+" "-" "*" "/" "//" "%" "**" "~"
    Compare, // children[0] ops[0] children[1] ops[1] children[2] ...
    Cond,    // children[0] if children[1] else children[2] (null: undefined)
    List,
    Tuple,
    Dict, // children: key, value, key, value ...
  };
  Kind kind;
  int line = 0, column = 0;
  Value value;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::string> kwargs; // names of the trailing keyword arguments
  std::vector<std::string> ops;    // Compare operators
  bool negated = false;            // `is not`
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  enum class Kind {
    Text,        // text
    Output,      // {{ expr }}
    If,          // conds[i] -> bodies[i]; bodies[conds.size()] is the else branch if present
    For,         // for targets in expr [if conds[0]]: bodies[0], else bodies[1]
    Set,         // set targets = expr; attr_target: targets = {namespace, attribute}
    SetBlock,    // set targets[0] %}bodies[0]{% endset, then filters
    Macro,       // macro name(params = defaults): bodies[0]
    CallBlock,   // call(params) expr: bodies[0] is the caller
    FilterBlock, // filter filters: bodies[0]
    Break,
    Continue,
    Scope, // a block whose body runs in place ({% generation %})
  };
  Kind kind;
  int line = 0, column = 0;
  std::string text;
  ExprPtr expr;
  std::vector<ExprPtr> conds;
  std::vector<Body> bodies;
  std::vector<std::string> targets;
  bool attr_target = false;
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults; // one per param, null when the param has none
  std::vector<ExprPtr> filters;  // Filter exprs with a null operand
};

} // namespace mlxcpp::tokenizer::jinja::detail
