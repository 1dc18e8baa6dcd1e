#include "ast/Clone.h"

namespace weir::ast {

namespace {

template <typename T>
std::unique_ptr<T> copyHeader(const Expr& from) {
  auto node = std::make_unique<T>();
  node->range = from.range;
  return node;
}

bool cloneAll(const std::vector<ExprPtr>& from, std::vector<ExprPtr>& to) {
  for (const ExprPtr& item : from) {
    ExprPtr copy = clone(*item);
    if (!copy) return false;
    to.push_back(std::move(copy));
  }
  return true;
}

}  // namespace

ExprPtr clone(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Int: {
      auto n = copyHeader<IntLiteral>(e);
      n->value = e.as<IntLiteral>().value;
      n->spelling = e.as<IntLiteral>().spelling;
      return n;
    }
    case ExprKind::Float: {
      auto n = copyHeader<FloatLiteral>(e);
      n->value = e.as<FloatLiteral>().value;
      n->spelling = e.as<FloatLiteral>().spelling;
      return n;
    }
    case ExprKind::String: {
      auto n = copyHeader<StringLiteral>(e);
      n->value = e.as<StringLiteral>().value;
      return n;
    }
    case ExprKind::Bool: {
      auto n = copyHeader<BoolLiteral>(e);
      n->value = e.as<BoolLiteral>().value;
      return n;
    }
    case ExprKind::Null: return copyHeader<NullLiteral>(e);
    case ExprKind::Duration: {
      auto n = copyHeader<DurationLiteral>(e);
      n->amount = e.as<DurationLiteral>().amount;
      n->unit = e.as<DurationLiteral>().unit;
      return n;
    }
    case ExprKind::Name: {
      auto n = copyHeader<NameExpr>(e);
      n->name = e.as<NameExpr>().name;
      return n;
    }
    case ExprKind::Member: {
      auto n = copyHeader<MemberExpr>(e);
      n->object = clone(*e.as<MemberExpr>().object);
      n->member = e.as<MemberExpr>().member;
      return n->object ? std::move(n) : nullptr;
    }
    case ExprKind::Call: {
      const auto& c = e.as<CallExpr>();
      auto n = copyHeader<CallExpr>(e);
      n->callee = clone(*c.callee);
      if (!n->callee) return nullptr;
      for (const Argument& arg : c.args) {
        ExprPtr value = clone(*arg.value);
        if (!value) return nullptr;
        n->args.push_back(Argument{arg.name, std::move(value), arg.range});
      }
      return n;
    }
    case ExprKind::Unary: {
      auto n = copyHeader<UnaryExpr>(e);
      n->op = e.as<UnaryExpr>().op;
      n->operand = clone(*e.as<UnaryExpr>().operand);
      return n->operand ? std::move(n) : nullptr;
    }
    case ExprKind::Binary: {
      const auto& b = e.as<BinaryExpr>();
      auto n = copyHeader<BinaryExpr>(e);
      n->op = b.op;
      n->lhs = clone(*b.lhs);
      n->rhs = clone(*b.rhs);
      return n->lhs && n->rhs ? std::move(n) : nullptr;
    }
    case ExprKind::In: {
      const auto& in = e.as<InExpr>();
      auto n = copyHeader<InExpr>(e);
      n->value = clone(*in.value);
      n->negated = in.negated;
      if (in.setName) n->setName = clone(*in.setName);
      if (!n->value || !cloneAll(in.set, n->set)) return nullptr;
      return n;
    }
    case ExprKind::Between: {
      const auto& b = e.as<BetweenExpr>();
      auto n = copyHeader<BetweenExpr>(e);
      n->value = clone(*b.value);
      n->low = clone(*b.low);
      n->high = clone(*b.high);
      n->negated = b.negated;
      return n->value && n->low && n->high ? std::move(n) : nullptr;
    }
    case ExprKind::IsNull: {
      auto n = copyHeader<IsNullExpr>(e);
      n->value = clone(*e.as<IsNullExpr>().value);
      n->negated = e.as<IsNullExpr>().negated;
      return n->value ? std::move(n) : nullptr;
    }
    case ExprKind::If: {
      const auto& i = e.as<IfExpr>();
      auto n = copyHeader<IfExpr>(e);
      n->condition = clone(*i.condition);
      n->thenValue = clone(*i.thenValue);
      n->elseValue = clone(*i.elseValue);
      return n->condition && n->thenValue && n->elseValue ? std::move(n) : nullptr;
    }
    case ExprKind::Case: {
      const auto& c = e.as<CaseExpr>();
      auto n = copyHeader<CaseExpr>(e);
      for (const auto& when : c.whens) {
        ExprPtr condition = clone(*when.condition);
        ExprPtr value = clone(*when.value);
        if (!condition || !value) return nullptr;
        n->whens.push_back(CaseExpr::When{std::move(condition), std::move(value)});
      }
      if (c.elseValue) {
        n->elseValue = clone(*c.elseValue);
        if (!n->elseValue) return nullptr;
      }
      return n;
    }
    case ExprKind::List: {
      auto n = copyHeader<ListExpr>(e);
      if (!cloneAll(e.as<ListExpr>().items, n->items)) return nullptr;
      return n;
    }
    case ExprKind::AllExcept: {
      auto n = copyHeader<AllExceptExpr>(e);
      if (!cloneAll(e.as<AllExceptExpr>().excluded, n->excluded)) return nullptr;
      return n;
    }
    case ExprKind::Error: return copyHeader<ErrorExpr>(e);
    case ExprKind::Pipeline: return nullptr;
  }
  return nullptr;
}

}  // namespace weir::ast
