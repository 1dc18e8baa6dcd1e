#pragma once

// One compilation of a program: a snapshot that owns its sources, diagnostics, checked program
// and plan together, so every range in them resolves to a file and a line (imported modules and
// the standard library included). A workspace makes it; once made it never changes, and front
// doors (the command line, the language server, `watch`, `serve`) read it from any thread.

#include "diagnostics/DiagnosticEngine.h"
#include "plan/Plan.h"
#include "sema/DeclarationChecker.h"
#include "sema/IncrementalCheck.h"
#include "sema/ModuleLoader.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"
#include "source/SourceManager.h"

#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

// Everything `weir check` knows about one root file.
struct CheckedProgram {
  sema::Program program;
  sema::ResolvedNames names;
  sema::TypedProgram types;
  sema::CheckedDeclarations declarations;
  // For the next incremental check (CompileOptions::incremental): what the type checker reported
  // about declarations, and whether its results may be kept (sema/IncrementalCheck.h).
  std::vector<diag::Diagnostic> typeDiagnostics;
  bool reusable = false;
  sema::DeclarationNodes declarationNodes;  // of the declarations kept
  // Of the program's declarations, how many the type checker checked and how many it kept from
  // the last compilation.
  std::size_t declarationsChecked = 0;
  std::size_t declarationsKept = 0;
};

enum class CompileStatus {
  Ok,
  Unreadable,     // the root file could not be read (`problem` says why)
  Errors,         // the program has errors (in `diagnostics`)
  UnknownTarget,  // a target names no declaration the plan computes (`problem`, with a suggestion)
  InvalidPlan,    // an optimizer pass broke the plan: our bug (`problem`)
  Cancelled,      // stopped because nobody waits for it any more
};

struct Compilation {
  std::string path;         // the root file as given
  std::string projectRoot;  // canonical
  CompileStatus status = CompileStatus::Ok;
  std::string problem;      // for Unreadable, UnknownTarget and InvalidPlan
  source::SourceManager sources;
  diag::DiagnosticEngine diagnostics;  // sorted by file (root first) and position
  std::optional<CheckedProgram> checked;  // absent when the root could not be read
  std::optional<plan::Plan> plan;         // when asked for and the program has no errors

  explicit Compilation(std::shared_ptr<source::FileIdAllocator> ids) : sources(std::move(ids)) {}

  bool ok() const { return status == CompileStatus::Ok; }
  // The canonical path of every file the program loaded (imports and standard modules too).
  std::vector<std::string> modulePaths() const;
};

}  // namespace weir::engine
