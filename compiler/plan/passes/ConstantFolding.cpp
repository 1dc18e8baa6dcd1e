#include "plan/passes/ConstantFolding.h"

#include "ast/Clone.h"
#include "ast/Walk.h"
#include "catalog/Builtin.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace weir::plan {

using namespace weir::ast;

namespace {

std::optional<double> number(const Expr& e) {
  if (e.kind == ExprKind::Int) return static_cast<double>(e.as<IntLiteral>().value);
  if (e.kind == ExprKind::Float) return e.as<FloatLiteral>().value;
  return std::nullopt;
}

std::optional<bool> boolean(const Expr& e) {
  if (e.kind == ExprKind::Bool) return e.as<BoolLiteral>().value;
  return std::nullopt;
}

ExprPtr makeBool(bool value, SourceRange range) {
  auto n = std::make_unique<BoolLiteral>();
  n->value = value;
  n->range = range;
  return n;
}

ExprPtr makeInt(std::int64_t value, SourceRange range) {
  auto n = std::make_unique<IntLiteral>();
  n->value = value;
  n->spelling = std::to_string(value);
  n->range = range;
  return n;
}

ExprPtr makeFloat(double value, SourceRange range) {
  auto n = std::make_unique<FloatLiteral>();
  n->value = value;
  n->spelling = fmt::format("{}", value);
  if (n->spelling.find_first_of(".eEn") == std::string::npos) n->spelling += ".0";
  n->range = range;
  return n;
}

ExprPtr makeNull(SourceRange range) {
  auto n = std::make_unique<NullLiteral>();
  n->range = range;
  return n;
}

ExprPtr foldBinary(std::unique_ptr<BinaryExpr> b, bool& changed) {
  // Boolean identities hold whatever the other side is (null included: `false and null` is false).
  if (b->op == BinaryOp::And || b->op == BinaryOp::Or) {
    bool isAnd = b->op == BinaryOp::And;
    for (int side = 0; side < 2; ++side) {
      ExprPtr& literal = side == 0 ? b->lhs : b->rhs;
      ExprPtr& other = side == 0 ? b->rhs : b->lhs;
      std::optional<bool> value = boolean(*literal);
      if (!value) continue;
      changed = true;
      // and: true is neutral, false absorbs; or: false is neutral, true absorbs.
      if (*value == isAnd) return std::move(other);
      return makeBool(!isAnd, b->range);
    }
    return b;
  }
  std::optional<double> l = number(*b->lhs);
  std::optional<double> r = number(*b->rhs);
  if (!l || !r) return b;
  bool ints = b->lhs->kind == ExprKind::Int && b->rhs->kind == ExprKind::Int;
  std::int64_t li = ints ? b->lhs->as<IntLiteral>().value : 0;
  std::int64_t ri = ints ? b->rhs->as<IntLiteral>().value : 0;
  SourceRange range = b->range;
  switch (b->op) {
    case BinaryOp::Eq: changed = true; return makeBool(*l == *r, range);
    case BinaryOp::Ne: changed = true; return makeBool(*l != *r, range);
    case BinaryOp::Lt: changed = true; return makeBool(*l < *r, range);
    case BinaryOp::Le: changed = true; return makeBool(*l <= *r, range);
    case BinaryOp::Gt: changed = true; return makeBool(*l > *r, range);
    case BinaryOp::Ge: changed = true; return makeBool(*l >= *r, range);
    case BinaryOp::Add:
    case BinaryOp::Sub:
    case BinaryOp::Mul: {
      if (ints) {
        std::int64_t result = 0;
        bool overflow = b->op == BinaryOp::Add   ? __builtin_add_overflow(li, ri, &result)
                        : b->op == BinaryOp::Sub ? __builtin_sub_overflow(li, ri, &result)
                                                 : __builtin_mul_overflow(li, ri, &result);
        if (overflow) return b;
        changed = true;
        return makeInt(result, range);
      }
      changed = true;
      double result = b->op == BinaryOp::Add ? *l + *r : b->op == BinaryOp::Sub ? *l - *r : *l * *r;
      return makeFloat(result, range);
    }
    case BinaryOp::Div:
      changed = true;
      if (*r == 0) return makeNull(range);  // division by zero yields null
      return makeFloat(*l / *r, range);
    case BinaryOp::Mod:
      changed = true;
      if (*r == 0) return makeNull(range);
      if (ints) {
        if (li == INT64_MIN && ri == -1) return makeInt(0, range);
        return makeInt(li % ri, range);
      }
      return makeFloat(std::fmod(*l, *r), range);
    default:
      return b;
  }
}

using Functions = std::map<std::string, std::shared_ptr<const Node::Function>>;

// Whether a call of a built-in is null for its `null` literal arguments, by the catalog's null
// rule: the function's evaluation need not be known here, only when it gives null. A user
// function of the same name hides the built-in.
bool nullByRule(const CallExpr& call, const Functions& functions) {
  if (call.callee->kind != ExprKind::Name) return false;
  const std::string& name = call.callee->as<NameExpr>().name.text;
  std::optional<catalog::BuiltinId> id = catalog::findBuiltin(name);
  if (!id || functions.count(name) || call.args.empty()) return false;
  const catalog::BuiltinInfo& info = catalog::builtin(*id);
  if (!info.foldable || catalog::isAggregateCall(*id, call.args.size())) return false;
  auto isNull = [](const Argument& arg) { return !arg.name && arg.value->kind == ExprKind::Null; };
  switch (info.nulls) {
    case catalog::NullRule::Any:
    case catalog::NullRule::Domain: return std::any_of(call.args.begin(), call.args.end(), isNull);
    case catalog::NullRule::All: return std::all_of(call.args.begin(), call.args.end(), isNull);
    case catalog::NullRule::First:
    case catalog::NullRule::Unparsable: return isNull(call.args[0]);
    case catalog::NullRule::Never: return false;
  }
  return false;
}

ExprPtr fold(ExprPtr e, bool& changed, const Functions& functions) {
  // Children first, so folding works bottom-up.
  rewriteChildren(*e, [&](ExprPtr child) { return fold(std::move(child), changed, functions); });
  switch (e->kind) {
    case ExprKind::Call:
      if (nullByRule(e->as<CallExpr>(), functions)) {
        changed = true;
        return makeNull(e->range);
      }
      return e;
    case ExprKind::Binary: {
      std::unique_ptr<BinaryExpr> b(static_cast<BinaryExpr*>(e.release()));
      return foldBinary(std::move(b), changed);
    }
    case ExprKind::Unary: {
      auto& u = e->as<UnaryExpr>();
      if (u.op == UnaryOp::Not) {
        if (std::optional<bool> value = boolean(*u.operand)) {
          changed = true;
          return makeBool(!*value, e->range);
        }
      } else if (u.operand->kind == ExprKind::Int && u.operand->as<IntLiteral>().value != INT64_MIN) {
        changed = true;
        return makeInt(-u.operand->as<IntLiteral>().value, e->range);
      } else if (u.operand->kind == ExprKind::Float) {
        changed = true;
        return makeFloat(-u.operand->as<FloatLiteral>().value, e->range);
      }
      return e;
    }
    case ExprKind::If: {
      auto& i = e->as<IfExpr>();
      if (std::optional<bool> value = boolean(*i.condition)) {
        changed = true;
        return std::move(*value ? i.thenValue : i.elseValue);
      }
      return e;
    }
    case ExprKind::IsNull: {
      auto& n = e->as<IsNullExpr>();
      ExprKind kind = n.value->kind;
      if (kind == ExprKind::Null || kind == ExprKind::Int || kind == ExprKind::Float || kind == ExprKind::Bool ||
          kind == ExprKind::String) {
        changed = true;
        return makeBool((kind == ExprKind::Null) != n.negated, e->range);
      }
      return e;
    }
    default:
      return e;
  }
}

// The folded copy of `expr`, or null when nothing folds.
std::shared_ptr<const Expr> folded(const Expr& expr, const Functions& functions) {
  ExprPtr copy = clone(expr);
  if (!copy) return nullptr;
  bool changed = false;
  copy = fold(std::move(copy), changed, functions);
  return changed ? std::shared_ptr<const Expr>(std::move(copy)) : nullptr;
}

}  // namespace

bool ConstantFolding::run(Plan& plan) {
  bool changed = false;
  std::vector<bool> keep(plan.size(), true);
  std::vector<NodeId> replace(plan.size());
  for (NodeId id = 0; id < plan.size(); ++id) {
    replace[id] = id;
    Node& node = plan.node(id);
    if (node.kind == NodeKind::Filter && node.condition) {
      if (auto condition = folded(*node.condition, node.functions)) {
        node.condition = condition;
        changed = true;
      }
      // `where true` keeps every row: the filter goes, its consumers read its input.
      if (std::optional<bool> value = boolean(*node.condition); value && *value) {
        keep[id] = false;
        replace[id] = replace[node.inputs.front()];
        changed = true;
      }
    } else if (node.kind == NodeKind::Derive) {
      bool any = false;
      for (auto& [name, value] : node.assignments) {
        if (auto result = folded(*value, node.functions)) {
          value = result;
          any = true;
        }
      }
      changed = changed || any;
    }
  }
  if (std::find(keep.begin(), keep.end(), false) != keep.end()) plan = plan.rebuilt(keep, replace);
  return changed;
}

}  // namespace weir::plan
