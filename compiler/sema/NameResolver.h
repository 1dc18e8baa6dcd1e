#pragma once

#include "diagnostics/DiagnosticEngine.h"
#include "sema/ModuleLoader.h"

#include <map>
#include <string>
#include <vector>

namespace weir::sema {

// What a module declares, by name.
struct ModuleScope {
  std::map<std::string, const ast::Decl*> decls;
  std::map<std::string, const ast::ImportDecl*> imports;  // alias -> import
};

// The result of name resolution over a whole program.
struct ResolvedNames {
  std::map<const LoadedModule*, ModuleScope> scopes;
  // For each declaration, the declarations of the same module it refers to, in source order.
  std::map<const ast::Decl*, std::vector<const ast::Decl*>> dependencies;
  // For each declaration, every declaration its names resolve to, in any module, in the order
  // first met: what an incremental check compares to tell whether its inputs changed.
  std::map<const ast::Decl*, std::vector<const ast::Decl*>> references;
};

// Resolves every reference to a declaration (tables, models, gates, schemas, functions, rules,
// transforms, qualified names through imports) and reports: undefined names (with "did you
// mean"), names defined twice, members missing from a module, declarations of the wrong kind,
// dependency cycles (naming every member), unused imports and unused `let`s.
// Column names are the type checker's concern and are not resolved here.
ResolvedNames resolveNames(const Program& program, diag::DiagnosticEngine& diags);

// The declaration a reference names, as later phases look it up: `name` in the module, or
// `alias.member` through one of its imports. Null when it names none.
const ast::Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const std::string& name);
const ast::Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const ast::Expr& ref);
const ast::Decl* findDeclaration(const ResolvedNames& names, const LoadedModule& module, const ast::QualifiedName& ref);

}  // namespace weir::sema
