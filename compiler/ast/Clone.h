#pragma once

#include "ast/Ast.h"

namespace weir::ast {

// A deep copy of a row expression (every kind but pipelines, for which it returns null), so that
// later phases can rewrite expressions without touching the syntax tree they came from.
ExprPtr clone(const Expr& expr);

}  // namespace weir::ast
