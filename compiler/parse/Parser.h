#pragma once

// The parse phase's public interface: source text in, AST out. No ANTLR type appears here.

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"
#include "source/SourceManager.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::parse {

// Parses one file. Always returns a module: declarations with syntax errors are kept as
// `incomplete` declarations (kind and name only) after their first error is reported, so one
// mistake gives one diagnostic and the rest of the file is still checked.
std::unique_ptr<ast::Module> parseModule(const source::SourceFile& file,
                                         diag::DiagnosticEngine& diags);

}  // namespace weir::parse

namespace weir::parse {

// The tokens the grammar sees after the newline rules, one string each: the token's symbolic
// name, then its text for names and literals (`IDENT a`, `INT 42`, `NL`, `EOF`). For tests.
std::vector<std::string> describeTokens(const source::SourceFile& file, diag::DiagnosticEngine& diags);

}  // namespace weir::parse
