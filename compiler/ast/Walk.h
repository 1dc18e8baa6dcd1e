#pragma once

#include "ast/Ast.h"

#include <cstddef>
#include <functional>

namespace weir::ast {

// Calls `visit` on each direct sub-expression of a row expression (arguments, operands,
// branches, list items), in source order. Pipelines are not entered.
void forEachChild(const Expr& expr, const std::function<void(const Expr&)>& visit);

// Replaces each direct sub-expression of a row expression by what `rewrite` returns for it
// (given ownership of the old one), in source order. Pipelines are not entered.
void rewriteChildren(Expr& expr, const std::function<ExprPtr(ExprPtr)>& rewrite);

// How deep an expression's tree is (a leaf is 1; every sub-expression counts: a call's callee, a
// pipeline's input and the expressions of its operators), measured without recursion.
struct DepthProbe {
  std::size_t depth = 0;
  const Expr* tooDeep = nullptr;  // the first node found deeper than the limit, if any
};
DepthProbe probeDepth(const Expr& expr, std::size_t limit);

// Calls `visitExpr` on every expression and `visitOp` on every table operator of a declaration
// (pipelines, settings, arguments, type arguments and tags included), parents before children,
// in one fixed order: a declaration and its relocated copy give sequences that pair node by node
// (how sema carries what it found about one over to the other).
void forEachNode(const Decl& decl, const std::function<void(const Expr&)>& visitExpr,
                 const std::function<void(const PipeOp&)>& visitOp);

// Destroys a tree of any depth without recursion (destructors recurse once per level).
void destroyIteratively(ExprPtr expr);

}  // namespace weir::ast
