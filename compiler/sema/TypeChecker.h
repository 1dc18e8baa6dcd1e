#pragma once

#include "diagnostics/DiagnosticEngine.h"
#include "sema/ModelShape.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/Type.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace weir::sema {

// What the type checker knows about a program.
struct TypedProgram {
  // The schema of every table a declaration produces: a source, a step, a `let` (one per name:
  // `let a, b = split(...)`), and the table a sink writes.
  std::map<const ast::Decl*, std::vector<TableType>> tables;
  // The table a model trains on, and the table a metrics declaration evaluates on.
  std::map<const ast::Decl*, TableType> inputs;
  // What each model implies for the tables that use it (its features, the type of its
  // prediction), from its settings and its training table.
  std::map<const ast::Decl*, ModelShape> models;
  // The schema after each table operator written in a declaration (not inside a transform's
  // body, whose schemas depend on the call).
  std::map<const ast::PipeOp*, TableType> opOutputs;
  // The schema a pipeline written in a declaration starts from (what its first operator reads).
  std::map<const ast::PipelineExpr*, TableType> pipelineInputs;

  // The schema after each operator of a transform's body, for one call of the transform: keyed
  // by the chain of call sites (the `| t(...)` operator or call expression written in a
  // declaration, then each call inside a body on the way) and the operator.
  std::map<std::pair<std::vector<const void*>, const ast::PipeOp*>, TableType> bodyOutputs;

  // Whether checking a transform's, fn's or rule's body at a call read a declaration's table or
  // a schema: that declaration's errors, when it is first computed there, point at the call, so
  // which declaration reports them depends on the order of checking (an incremental check then
  // checks the whole program: sema/IncrementalCheck.h).
  bool bodiesReadDeclarations = false;
};

// The results an incremental check keeps from the last check (sema/IncrementalCheck.h), moved
// into the nodes and ranges of the program being checked.
struct KeptTypes {
  TypedProgram typed;                     // the kept declarations' entries
  std::set<const ast::Decl*> declarations;  // the declarations not checked again
};

// Infers the schema of every table expression through every operator, types every expression
// (nullability, categories, int -> float widening, built-in signatures), checks `fn` bodies
// against their declared result and instantiates `transform`s and `rule`s at each use (an error
// inside one points at the call and shows the definition). Runs after name resolution; names
// that failed to resolve there have the error type here and report nothing more.
TypedProgram checkTypes(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags);

// The same, checking only the declarations `kept` does not hold (their entries are taken from
// it). The expansion check (sema/Expansion.h) reports to `diags`, the checks of declarations to
// `declarationDiags`, so that a caller can tell the two apart.
TypedProgram checkTypes(const Program& program, const ResolvedNames& names, diag::DiagnosticEngine& diags,
                        diag::DiagnosticEngine& declarationDiags, KeptTypes* kept);

// `weir check --emit=types`: each declaration of the root module with its inferred type, one
// column per line, in a stable form.
std::string printTypes(const Program& program, const TypedProgram& typed);

// `weir check --emit=lineage`: for each column of each table of the root module, the source
// columns it is computed from, and whether it carries personal or protected data.
std::string printLineage(const Program& program, const TypedProgram& typed);

}  // namespace weir::sema
