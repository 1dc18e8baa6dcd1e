#pragma once

#include "ast/Ast.h"

#include <set>
#include <string>

namespace weir::plan {

// The column names an expression reads (callees are functions, not columns).
void columnsRead(const ast::Expr& expr, std::set<std::string>& out);

}  // namespace weir::plan
