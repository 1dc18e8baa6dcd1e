#pragma once

#include "ast/Ast.h"

#include <string>

namespace weir::ast {

struct AstPrintOptions {
  bool ranges = true;  // append `<line:col-line:col>` to declarations, entries and operators
};

// A stable, readable dump of a module: one line per declaration, entry and table operator, with
// expressions as fully parenthesised S-expressions (so precedence is visible). Used by
// `weir check --emit=ast` and the tests.
std::string printModule(const Module& module, const AstPrintOptions& options = {});

// One expression as an S-expression.
std::string printExpr(const Expr& expr);

// One table operator as an S-expression: `(where (> x 1))`.
std::string printOp(const PipeOp& op);

// A type as written: `float?`, `category["a" "b"]`.
std::string printTypeRef(const TypeRef& type);

}  // namespace weir::ast
