#include "plan/ExprColumns.h"

namespace weir::plan {

// Column names an expression reads (call targets are functions, not columns).
void columnsRead(const ast::Expr& e, std::set<std::string>& out) {
  using namespace weir::ast;
  switch (e.kind) {
    case ExprKind::Name: out.insert(e.as<NameExpr>().name.text); return;
    case ExprKind::Call:
      for (const Argument& arg : e.as<CallExpr>().args) columnsRead(*arg.value, out);
      return;
    case ExprKind::Member: return;
    case ExprKind::Unary: columnsRead(*e.as<UnaryExpr>().operand, out); return;
    case ExprKind::Binary:
      columnsRead(*e.as<BinaryExpr>().lhs, out);
      columnsRead(*e.as<BinaryExpr>().rhs, out);
      return;
    case ExprKind::In:
      columnsRead(*e.as<InExpr>().value, out);
      for (const ExprPtr& item : e.as<InExpr>().set) columnsRead(*item, out);
      return;
    case ExprKind::Between:
      columnsRead(*e.as<BetweenExpr>().value, out);
      columnsRead(*e.as<BetweenExpr>().low, out);
      columnsRead(*e.as<BetweenExpr>().high, out);
      return;
    case ExprKind::IsNull: columnsRead(*e.as<IsNullExpr>().value, out); return;
    case ExprKind::If:
      columnsRead(*e.as<IfExpr>().condition, out);
      columnsRead(*e.as<IfExpr>().thenValue, out);
      columnsRead(*e.as<IfExpr>().elseValue, out);
      return;
    case ExprKind::Case:
      for (const auto& when : e.as<CaseExpr>().whens) {
        columnsRead(*when.condition, out);
        columnsRead(*when.value, out);
      }
      if (e.as<CaseExpr>().elseValue) columnsRead(*e.as<CaseExpr>().elseValue, out);
      return;
    case ExprKind::List:
      for (const ExprPtr& item : e.as<ListExpr>().items) columnsRead(*item, out);
      return;
    default: return;
  }
}

}  // namespace weir::plan
