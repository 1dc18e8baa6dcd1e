#pragma once

#include "ast/Ast.h"
#include "diagnostics/DiagnosticEngine.h"
#include "source/SourceManager.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace weir::sema {

struct LoadedModule {
  std::unique_ptr<ast::Module> ast;
  std::string canonicalPath;
  bool isStdlib = false;
  // Import declaration -> the module it names (absent when the import failed).
  std::map<const ast::ImportDecl*, LoadedModule*> imports;
};

// Every module of a program: the root file and everything it imports, transitively.
struct Program {
  std::vector<std::unique_ptr<LoadedModule>> modules;  // root first
  LoadedModule* root = nullptr;
};

struct LoaderOptions {
  std::string stdlibDir;    // where `import std.NAME` looks for NAME.mlflow
  std::string projectRoot;  // imports may not leave this directory
};

// The project root of a file: the nearest enclosing directory with a `.weir` or `.git` folder,
// or else the file's own directory.
std::string findProjectRoot(const std::string& file);

// Parses the root file (already loaded into `sources`) and, transitively, its imports. Reports
// unreadable imports, unknown standard modules, imports outside the project root and import
// cycles (naming every file of the cycle).
Program loadProgram(source::FileId root, source::SourceManager& sources,
                    diag::DiagnosticEngine& diags, const LoaderOptions& options);

}  // namespace weir::sema
