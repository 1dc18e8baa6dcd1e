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
  // Never changed after parsing, so a workspace can share it between compilations.
  std::shared_ptr<const ast::Module> ast;
  std::string canonicalPath;
  bool isStdlib = false;
  // Import declaration -> the module it names (absent when the import failed).
  std::map<const ast::ImportDecl*, LoadedModule*> imports;
};

// Every module of a program: the root file and everything it imports, transitively.
struct Program {
  std::vector<std::unique_ptr<LoadedModule>> modules;  // root first
  LoadedModule* root = nullptr;
  std::string projectRoot;  // canonical: paths the program names may not leave it
  std::string stdlibDir;    // where its standard modules come from
};

// Where the loader gets a file's text and syntax tree. The default reads the disk and parses;
// the engine's workspace reads unsaved buffers first and reuses trees it parsed before.
class ModuleSource {
 public:
  virtual ~ModuleSource() = default;
  // Adds the file at `path` (as the user would write it) to `sources`; nullopt and `error`
  // when it cannot be read.
  virtual std::optional<source::FileId> load(const std::string& path, source::SourceManager& sources, std::string& error);
  // The syntax tree of a file of `sources`, its parse errors reported to `diags`.
  virtual std::shared_ptr<const ast::Module> parse(const source::SourceFile& file, diag::DiagnosticEngine& diags);
  // Whether to stop: a compilation nobody waits for any more.
  virtual bool cancelled() const { return false; }
};

struct LoaderOptions {
  std::string stdlibDir;    // where `import std.NAME` looks for NAME.mlflow
  std::string projectRoot;  // imports may not leave this directory
  ModuleSource* modules = nullptr;  // none: the disk
};

// Parses the root file (already loaded into `sources`) and, transitively, its imports. Reports
// unreadable imports, unknown standard modules, imports outside the project root and import
// cycles (naming every file of the cycle).
Program loadProgram(source::FileId root, source::SourceManager& sources,
                    diag::DiagnosticEngine& diags, const LoaderOptions& options);

}  // namespace weir::sema
