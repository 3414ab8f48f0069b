// Renders parsed templates: statements, expressions, scoping, loops and macros.
#include <memory>
#include <unordered_map>

#include "mlxcpp/tokenizer/jinja.h"
#include "tokenizer/jinja/parser.h"
#include "tokenizer/jinja/runtime.h"

namespace mlxcpp::tokenizer::jinja {

namespace detail {

namespace {

// Variables of one scope. A for-loop iteration and a macro call each get a fresh frame; `if`
// does not, as in Jinja.
struct Frame {
  std::shared_ptr<Frame> parent;
  std::vector<std::pair<std::string, Value>> vars;

  const Value* lookup(const std::string& name) const {
    for (const Frame* f = this; f; f = f->parent.get()) {
      for (auto it = f->vars.rbegin(); it != f->vars.rend(); ++it) {
        if (it->first == name) {
          return &it->second;
        }
      }
    }
    return nullptr;
  }

  void set(const std::string& name, Value v) {
    for (auto& [k, old] : vars) {
      if (k == name) {
        old = std::move(v);
        return;
      }
    }
    vars.emplace_back(name, std::move(v));
  }
};
using FramePtr = std::shared_ptr<Frame>;

enum class Flow { Normal, Break, Continue };

// Thrown by raise_exception(): the template's own error, kept apart from engine errors.
struct Raised : JinjaError {
  using JinjaError::JinjaError;
};

class Interpreter {
public:
  Flow exec_body(const Body& body, const FramePtr& frame, std::string& out) {
    for (const auto& s : body) {
      Flow flow = exec(*s, frame, out);
      if (flow != Flow::Normal) {
        return flow;
      }
    }
    return Flow::Normal;
  }

  Value eval(const Expr& e, const FramePtr& frame) {
    try {
      return eval_inner(e, frame);
    } catch (const Raised& r) {
      throw RaisedException(r.what(), e.line, e.column);
    } catch (const JinjaError& err) {
      throw TemplateError(err.what(), e.line, e.column);
    }
  }

private:
  Flow exec(const Stmt& s, const FramePtr& frame, std::string& out) {
    switch (s.kind) {
    case Stmt::Kind::Text:
      out += s.text;
      return Flow::Normal;
    case Stmt::Kind::Output:
      out += eval(*s.expr, frame).str();
      return Flow::Normal;
    case Stmt::Kind::If:
      for (size_t i = 0; i < s.conds.size(); ++i) {
        if (eval(*s.conds[i], frame).truthy()) {
          return exec_body(s.bodies[i], frame, out);
        }
      }
      if (s.bodies.size() > s.conds.size()) {
        return exec_body(s.bodies.back(), frame, out);
      }
      return Flow::Normal;
    case Stmt::Kind::For:
      exec_for(s, frame, out);
      return Flow::Normal;
    case Stmt::Kind::Set:
      exec_set(s, frame);
      return Flow::Normal;
    case Stmt::Kind::SetBlock: {
      std::string text;
      exec_body(s.bodies[0], frame, text);
      frame->set(s.targets[0], apply_filters(s, Value(std::move(text)), frame));
      return Flow::Normal;
    }
    case Stmt::Kind::Macro:
      frame->set(s.name, make_macro(s, frame));
      return Flow::Normal;
    case Stmt::Kind::CallBlock:
      out += call_with_caller(s, frame).str();
      return Flow::Normal;
    case Stmt::Kind::FilterBlock: {
      std::string text;
      exec_body(s.bodies[0], frame, text);
      out += apply_filters(s, Value(std::move(text)), frame).str();
      return Flow::Normal;
    }
    case Stmt::Kind::Break:
      return Flow::Break;
    case Stmt::Kind::Continue:
      return Flow::Continue;
    case Stmt::Kind::Scope:
      return exec_body(s.bodies[0], frame, out);
    }
    return Flow::Normal;
  }

  Value apply_filters(const Stmt& s, Value v, const FramePtr& frame) {
    for (const auto& f : s.filters) {
      v = call_filter(*f, std::move(v), frame);
    }
    return v;
  }

  static void bind_targets(const std::vector<std::string>& targets, const Value& v, Frame& frame) {
    if (targets.size() == 1) {
      frame.set(targets[0], v);
      return;
    }
    std::vector<Value> parts = iterate(v);
    if (parts.size() != targets.size()) {
      raise_error("ValueError: cannot unpack " + std::to_string(parts.size()) + " values into " +
                  std::to_string(targets.size()));
    }
    for (size_t i = 0; i < targets.size(); ++i) {
      frame.set(targets[i], parts[i]);
    }
  }

  void exec_set(const Stmt& s, const FramePtr& frame) {
    Value v = eval(*s.expr, frame);
    try {
      if (s.attr_target) {
        const Value* ns = frame->lookup(s.targets[0]);
        if (!ns || !ns->is_namespace()) {
          raise_error("TemplateRuntimeError: cannot assign attribute on non-namespace object");
        }
        ns->members().set(s.targets[1], std::move(v));
        return;
      }
      bind_targets(s.targets, v, *frame);
    } catch (const JinjaError& err) {
      throw TemplateError(err.what(), s.line, s.column);
    }
  }

  void exec_for(const Stmt& s, const FramePtr& frame, std::string& out) {
    std::vector<Value> all;
    try {
      all = iterate(eval(*s.expr, frame));
    } catch (const JinjaError& err) {
      throw TemplateError(err.what(), s.line, s.column);
    }
    std::vector<Value> items;
    if (!s.conds.empty()) {
      // The loop filter runs first, so loop.index and loop.length count kept items only.
      for (auto& item : all) {
        auto probe = std::make_shared<Frame>(Frame{frame, {}});
        bind(s, item, *probe);
        if (eval(*s.conds[0], probe).truthy()) {
          items.push_back(std::move(item));
        }
      }
    } else {
      items = std::move(all);
    }
    if (items.empty()) {
      if (s.bodies.size() > 1) {
        exec_body(s.bodies[1], frame, out);
      }
      return;
    }
    size_t n = items.size();
    for (size_t i = 0; i < n; ++i) {
      auto iteration = std::make_shared<Frame>(Frame{frame, {}});
      bind(s, items[i], *iteration);
      iteration->set("loop", loop_object(items, i));
      if (exec_body(s.bodies[0], iteration, out) == Flow::Break) {
        break;
      }
    }
  }

  void bind(const Stmt& s, const Value& item, Frame& frame) {
    try {
      bind_targets(s.targets, item, frame);
    } catch (const JinjaError& err) {
      throw TemplateError(err.what(), s.line, s.column);
    }
  }

  static Value loop_object(const std::vector<Value>& items, size_t i) {
    auto n = static_cast<int64_t>(items.size());
    auto k = static_cast<int64_t>(i);
    Object loop;
    loop.set("index", Value(k + 1));
    loop.set("index0", Value(k));
    loop.set("revindex", Value(n - k));
    loop.set("revindex0", Value(n - k - 1));
    loop.set("first", Value(k == 0));
    loop.set("last", Value(k == n - 1));
    loop.set("length", Value(n));
    loop.set("depth", Value(1));
    loop.set("depth0", Value(0));
    loop.set("previtem", k > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
    loop.set("nextitem", k + 1 < n ? items[i + 1] : Value::undefined("there is no next item"));
    loop.set("cycle", Value::function("cycle", [k](const Arguments& args) -> Value {
               if (args.positional.empty()) {
                 raise_error("TypeError: no items for cycling given");
               }
               return args.positional[static_cast<size_t>(k) % args.positional.size()];
             }));
    return Value::object(std::move(loop));
  }

  Value make_macro(const Stmt& s, const FramePtr& defining) {
    const Stmt* macro = &s;
    // A weak link: the defining frame holds this macro, and a strong one would never be freed.
    std::weak_ptr<Frame> weak_defining = defining;
    return Value::function(s.name, [this, macro, weak_defining](const Arguments& args) -> Value {
      FramePtr defining = weak_defining.lock();
      if (!defining) {
        raise_error("macro '" + macro->name + "' called after its scope ended");
      }
      auto frame = std::make_shared<Frame>(Frame{defining, {}});
      size_t positional = 0;
      std::vector<Value> varargs;
      for (size_t i = 0; i < args.positional.size(); ++i) {
        if (i < macro->params.size()) {
          frame->set(macro->params[i], args.positional[i]);
          ++positional;
        } else {
          varargs.push_back(args.positional[i]);
        }
      }
      Object kwargs;
      for (const auto& [k, v] : args.keyword) {
        bool is_param = false;
        for (const auto& p : macro->params) {
          is_param = is_param || p == k;
        }
        if (is_param || k == "caller") {
          frame->set(k, v);
        } else {
          kwargs.set(k, v);
        }
      }
      for (size_t i = positional; i < macro->params.size(); ++i) {
        bool given = false;
        for (const auto& [k, v] : args.keyword) {
          given = given || k == macro->params[i];
        }
        if (!given) {
          frame->set(macro->params[i],
                     macro->defaults[i]
                         ? eval(*macro->defaults[i], frame)
                         : Value::undefined("'" + macro->params[i] + "' is undefined"));
        }
      }
      frame->set("varargs", Value::tuple(std::move(varargs)));
      frame->set("kwargs", Value::object(std::move(kwargs)));
      std::string out;
      exec_body(macro->bodies[0], frame, out);
      return Value(std::move(out));
    });
  }

  Value call_with_caller(const Stmt& s, const FramePtr& frame) {
    const Stmt* block = &s;
    Value caller = Value::function("caller", [this, block, frame](const Arguments& args) -> Value {
      auto inner = std::make_shared<Frame>(Frame{frame, {}});
      for (size_t i = 0; i < block->params.size(); ++i) {
        const Value* v = args.get(i, block->params[i]);
        inner->set(block->params[i],
                   v ? *v
                   : block->defaults[i]
                       ? eval(*block->defaults[i], inner)
                       : Value::undefined("'" + block->params[i] + "' is undefined"));
      }
      std::string out;
      exec_body(block->bodies[0], inner, out);
      return Value(std::move(out));
    });
    const Expr& call = *s.expr;
    Value callee = eval(*call.children[0], frame);
    Arguments args = eval_args(call, 1, frame);
    args.keyword.emplace_back("caller", std::move(caller));
    return invoke(callee, args, call);
  }

  Arguments eval_args(const Expr& e, size_t first, const FramePtr& frame) {
    Arguments args;
    size_t n = e.children.size() - first;
    size_t positional = n - e.kwargs.size();
    for (size_t i = 0; i < n; ++i) {
      Value v = eval(*e.children[first + i], frame);
      if (i < positional) {
        args.positional.push_back(std::move(v));
      } else {
        args.keyword.emplace_back(e.kwargs[i - positional], std::move(v));
      }
    }
    return args;
  }

  Value invoke(const Value& callee, const Arguments& args, const Expr& at) {
    if (!callee.is_function()) {
      if (callee.is_undefined()) {
        raise_undefined(callee);
      }
      raise_error("TypeError: '" + callee.type_name() + "' object is not callable");
    }
    (void)at;
    return callee.function()(args);
  }

  Value call_filter(const Expr& f, Value operand, const FramePtr& frame) {
    FilterFn fn = find_filter(f.name);
    if (!fn) {
      throw TemplateError("TemplateAssertionError: No filter named '" + f.name + "'.", f.line,
                          f.column);
    }
    Arguments args = eval_args(f, 1, frame);
    try {
      return fn(operand, args);
    } catch (const JinjaError& err) {
      throw TemplateError(err.what(), f.line, f.column);
    }
  }

  Value lookup(const std::string& name, const FramePtr& frame) {
    if (const Value* v = frame->lookup(name)) {
      return *v;
    }
    Value global = builtin_global(name);
    if (!global.is_undefined()) {
      return global;
    }
    return Value::undefined("'" + name + "' is undefined");
  }

  Value eval_inner(const Expr& e, const FramePtr& frame) {
    switch (e.kind) {
    case Expr::Kind::Literal:
      return e.value;
    case Expr::Kind::Name:
      return lookup(e.name, frame);
    case Expr::Kind::Attr:
      return get_attr(eval(*e.children[0], frame), e.name);
    case Expr::Kind::Item:
      return get_item(eval(*e.children[0], frame), eval(*e.children[1], frame));
    case Expr::Kind::Slice: {
      auto part = [&](size_t i) { return e.children[i] ? eval(*e.children[i], frame) : Value(); };
      return slice(eval(*e.children[0], frame), part(1), part(2), part(3));
    }
    case Expr::Kind::Call: {
      Value callee = eval(*e.children[0], frame);
      return invoke(callee, eval_args(e, 1, frame), e);
    }
    case Expr::Kind::Filter:
      return call_filter(e, eval(*e.children[0], frame), frame);
    case Expr::Kind::Test: {
      TestFn fn = find_test(e.name);
      if (!fn) {
        raise_error("TemplateAssertionError: No test named '" + e.name + "'.");
      }
      Value operand = eval(*e.children[0], frame);
      bool result = fn(operand, eval_args(e, 1, frame));
      return Value(e.negated ? !result : result);
    }
    case Expr::Kind::Unary: {
      Value v = eval(*e.children[0], frame);
      if (e.name == "not") {
        return Value(!v.truthy());
      }
      if (v.is_undefined()) {
        raise_undefined(v);
      }
      if (!v.is_number()) {
        raise_error("TypeError: bad operand type for unary " + e.name + ": '" + v.type_name() +
                    "'");
      }
      if (e.name == "+") {
        return v.is_float() ? v : Value(v.as_int());
      }
      return v.is_float() ? Value(-v.as_float()) : Value(-v.as_int());
    }
    case Expr::Kind::Binary: {
      Value left = eval(*e.children[0], frame);
      if (e.name == "and") {
        return left.truthy() ? eval(*e.children[1], frame) : left;
      }
      if (e.name == "or") {
        return left.truthy() ? left : eval(*e.children[1], frame);
      }
      return binary_op(e.name, left, eval(*e.children[1], frame));
    }
    case Expr::Kind::Compare: {
      Value left = eval(*e.children[0], frame);
      for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.children[i + 1], frame);
        if (!compare_op(e.ops[i], left, right)) {
          return Value(false);
        }
        left = std::move(right);
      }
      return Value(true);
    }
    case Expr::Kind::Cond:
      if (eval(*e.children[1], frame).truthy()) {
        return eval(*e.children[0], frame);
      }
      return e.children[2]
                 ? eval(*e.children[2], frame)
                 : Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                                    " evaluated to false and no else section was defined.");
    case Expr::Kind::List:
    case Expr::Kind::Tuple: {
      std::vector<Value> items;
      for (const auto& c : e.children) {
        items.push_back(eval(*c, frame));
      }
      return e.kind == Expr::Kind::Tuple ? Value::tuple(std::move(items))
                                         : Value::array(std::move(items));
    }
    case Expr::Kind::Dict: {
      Object obj;
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value key = eval(*e.children[i], frame);
        obj.set(key.is_string() ? key.as_string() : key.repr(), eval(*e.children[i + 1], frame));
      }
      return Value::object(std::move(obj));
    }
    }
    return Value();
  }
};

} // namespace

[[noreturn]] void raise_template_exception(const std::string& message) {
  throw Raised(message);
}

} // namespace detail

TemplateError::TemplateError(const std::string& message, int line, int column)
    : std::runtime_error(message + " (template line " + std::to_string(line) + ", column " +
                         std::to_string(column) + ")"),
      line_(line), column_(column) {}

Template::Template(const std::string& source)
    : program_(std::make_shared<detail::Program>(detail::Program{detail::parse_template(source)})) {
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const Value& context) const {
  auto root = std::make_shared<detail::Frame>();
  if (context.is_object()) {
    for (const auto& [k, v] : context.members().items) {
      root->set(k, v);
    }
  }
  detail::Interpreter interpreter;
  std::string out;
  try {
    interpreter.exec_body(program_->body, root, out);
  } catch (const detail::JinjaError& e) {
    // Errors are tied to the node that raised them; this only catches one no node claimed.
    throw TemplateError(e.what(), 1, 1);
  }
  return out;
}

} // namespace mlxcpp::tokenizer::jinja
