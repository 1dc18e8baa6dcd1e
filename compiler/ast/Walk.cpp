#include "ast/Walk.h"

namespace weir::ast {

namespace {

// One place that knows where every expression kind keeps its children.
template <typename Slot>
void eachSlot(Expr& e, Slot&& slot) {
  switch (e.kind) {
    case ExprKind::Member: slot(e.as<MemberExpr>().object); break;
    case ExprKind::Call: {
      auto& call = e.as<CallExpr>();
      for (Argument& arg : call.args) slot(arg.value);
      break;
    }
    case ExprKind::Unary: slot(e.as<UnaryExpr>().operand); break;
    case ExprKind::Binary:
      slot(e.as<BinaryExpr>().lhs);
      slot(e.as<BinaryExpr>().rhs);
      break;
    case ExprKind::In: {
      auto& in = e.as<InExpr>();
      slot(in.value);
      for (ExprPtr& item : in.set) slot(item);
      if (in.setName) slot(in.setName);
      break;
    }
    case ExprKind::Between: {
      auto& b = e.as<BetweenExpr>();
      slot(b.value);
      slot(b.low);
      slot(b.high);
      break;
    }
    case ExprKind::IsNull: slot(e.as<IsNullExpr>().value); break;
    case ExprKind::If: {
      auto& i = e.as<IfExpr>();
      slot(i.condition);
      slot(i.thenValue);
      slot(i.elseValue);
      break;
    }
    case ExprKind::Case: {
      auto& c = e.as<CaseExpr>();
      for (auto& when : c.whens) {
        slot(when.condition);
        slot(when.value);
      }
      if (c.elseValue) slot(c.elseValue);
      break;
    }
    case ExprKind::List:
      for (ExprPtr& item : e.as<ListExpr>().items) slot(item);
      break;
    case ExprKind::AllExcept:
      for (ExprPtr& item : e.as<AllExceptExpr>().excluded) slot(item);
      break;
    default:
      break;
  }
}

}  // namespace

void forEachChild(const Expr& expr, const std::function<void(const Expr&)>& visit) {
  // The walk does not modify anything; the cast only lets one slot list serve both functions.
  eachSlot(const_cast<Expr&>(expr), [&](ExprPtr& child) { visit(*child); });
}

void rewriteChildren(Expr& expr, const std::function<ExprPtr(ExprPtr)>& rewrite) {
  eachSlot(expr, [&](ExprPtr& child) { child = rewrite(std::move(child)); });
}

}  // namespace weir::ast
