#pragma once

// Checking a program again after an edit without checking what the edit cannot have changed
// (the language server's keystrokes). Consumes the last check of the same root (its program,
// names, types and the type checker's diagnostics about declarations) and the new program with
// its names resolved (name resolution, which reports duplicates, undefined names with their
// "did you mean", cycles and unused names over whole modules, always runs over everything).
// Guarantees: what the type checker gives with the plan is exactly what it gives over the whole
// new program (the same tables, schemas after each operator and diagnostics, in the new
// program's nodes and ranges); when it cannot be sure of that, it plans nothing and the caller
// checks the whole program.
//
// The unit kept is a top-level declaration. One is kept when the new program has one with the
// same text in the same module (moved by whole lines at most: the incremental parse's
// relocations), whose names resolve to the counterparts of what they resolved to before, none
// of them checked again: so an edited declaration is checked again with everything that
// depends on it, transitively, across modules, and so is a declaration whose names resolve
// elsewhere after a declaration was added, removed or renamed.

#include "diagnostics/DiagnosticEngine.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"
#include "source/SourceManager.h"

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

namespace weir::sema {

// The nodes of each declaration that TypedProgram's entries are keyed by (operators, pipelines,
// calls), in ast::forEachNode's order: kept with a compilation so that the next incremental check
// walks only the new program's declarations.
using DeclarationNodes = std::unordered_map<const ast::Decl*, std::vector<const void*>>;

// What the last check of a root left.
struct LastCheck {
  const Program* program = nullptr;
  const ResolvedNames* names = nullptr;
  const TypedProgram* types = nullptr;
  // What checkTypes reported about declarations (its `declarationDiags`), in the order reported.
  const std::vector<diag::Diagnostic>* typeDiagnostics = nullptr;
  const source::SourceManager* sources = nullptr;
  const DeclarationNodes* nodes = nullptr;  // of some of its declarations (others are walked)
};

class TypeReuse {
 public:
  TypeReuse();
  ~TypeReuse();
  TypeReuse(TypeReuse&&) noexcept;
  TypeReuse& operator=(TypeReuse&&) noexcept;

  // What checkTypes takes (moved out once).
  KeptTypes kept;
  // The kept declarations' nodes, for the next check (moved out once).
  DeclarationNodes nodes;

  // The type checker's diagnostics about declarations for the whole program: those of `fresh`
  // (what checkTypes reported with `kept`) about declarations checked again, and the last
  // check's about the kept ones, moved. Nullopt when one of them is about no declaration (then
  // check the whole program).
  std::optional<std::vector<diag::Diagnostic>> mergeDiagnostics(const std::vector<diag::Diagnostic>& fresh) const;

 private:
  friend std::optional<TypeReuse> planTypeReuse(const LastCheck&, const Program&, const ResolvedNames&,
                                                const source::SourceManager&);
  struct Plan;
  std::unique_ptr<Plan> plan_;
};

std::optional<TypeReuse> planTypeReuse(const LastCheck& last, const Program& program, const ResolvedNames& names,
                                       const source::SourceManager& sources);

}  // namespace weir::sema
