#pragma once

#include "ast/Ast.h"

#include <functional>

namespace weir::ast {

// Calls `visit` on each direct sub-expression of a row expression (arguments, operands,
// branches, list items), in source order. Pipelines are not entered.
void forEachChild(const Expr& expr, const std::function<void(const Expr&)>& visit);

// Replaces each direct sub-expression of a row expression by what `rewrite` returns for it
// (given ownership of the old one), in source order. Pipelines are not entered.
void rewriteChildren(Expr& expr, const std::function<ExprPtr(ExprPtr)>& rewrite);

}  // namespace weir::ast
