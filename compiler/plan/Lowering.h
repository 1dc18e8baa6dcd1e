#pragma once

#include "plan/Plan.h"
#include "sema/DeclarationChecker.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"

namespace weir::plan {

// Lowers a checked program (no errors) into its logical plan: one node per table operator, and
// one per scan, split, step, training, evaluation, expectation, gate, sink and deploy. Every
// declaration of the root module is lowered (imported modules contribute what the root uses);
// dead-node elimination later keeps what the requested targets need.
Plan lowerProgram(const sema::Program& program, const sema::ResolvedNames& names, const sema::TypedProgram& typed,
                  const sema::CheckedDeclarations& declarations);

}  // namespace weir::plan
