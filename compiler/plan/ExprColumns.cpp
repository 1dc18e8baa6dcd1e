#include "plan/ExprColumns.h"

#include "ast/Walk.h"

namespace weir::plan {

void columnsRead(const ast::Expr& e, std::set<std::string>& out) {
  using namespace weir::ast;
  switch (e.kind) {
    case ExprKind::Name: out.insert(e.as<NameExpr>().name.text); return;
    case ExprKind::Member: return;  // a qualified value, not a column
    case ExprKind::Call:
      // The callee is a function, not a column: only the arguments are read.
      for (const Argument& arg : e.as<CallExpr>().args) columnsRead(*arg.value, out);
      return;
    default:
      forEachChild(e, [&](const Expr& child) { columnsRead(child, out); });
  }
}

}  // namespace weir::plan
