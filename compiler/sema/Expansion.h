#pragma once

// How large calls get once expanded. The optimizer replaces each call of a `fn` or a `rule` by
// the body of what it calls, each parameter by a copy of its argument, and each call of a
// `transform` by the operations of its body; the checker instantiates rules and transforms at
// each call. Calls inside bodies multiply: ten calls of a function that makes ten calls of
// another... grow tenfold per level. This pass measures every expansion before anything expands
// (a function's size is a linear form in the sizes of its arguments, its depth a max-plus form;
// both computed once per declaration, so in time linear in the program) and reports those beyond
// the bounds of ast/Limits.h: E0226 for `fn` and `rule` calls (nodes or depth), E0227 for
// `transform` calls (table operations).

#include "diagnostics/DiagnosticEngine.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"

#include <set>

namespace weir::sema {

struct Expansions {
  // Declarations whose expansion is too large (reported), or that hold an expression or a call
  // that is: the type checker neither instantiates nor checks them, as if they were incomplete.
  std::set<const ast::Decl*> tooLarge;
};

// Runs after name resolution, before the type checker (which calls it).
Expansions checkExpansions(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags);

}  // namespace weir::sema
