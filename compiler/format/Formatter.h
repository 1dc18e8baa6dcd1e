#pragma once

#include "ast/Ast.h"

#include <string>

namespace weir::format {

// Prints a module in Weir's one canonical layout (docs/FORMAT.md): two-space indentation, one
// entry per line in blocks, aligned schema columns and settings, one `| op` per line in
// pipelines of more than one operator. Comments are kept, and so are single blank lines between
// entries. The module must have parsed without errors. Formatting is idempotent and does not
// change the AST.
std::string formatModule(const ast::Module& module);

// An expression as it is written in the canonical layout, on one line (`all(age between 18 and 120)`).
std::string formatExpr(const ast::Expr& expr);

}  // namespace weir::format
