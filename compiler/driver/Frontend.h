#pragma once

#include "driver/Driver.h"
#include "plan/PassManager.h"
#include "sema/ModuleLoader.h"
#include "sema/DeclarationChecker.h"
#include "sema/Governance.h"
#include "sema/NameResolver.h"
#include "sema/TypeChecker.h"
#include "source/SourceManager.h"

#include <optional>
#include <string>

namespace weir::driver {

// Reads a command-line file argument ("-" is standard input) into `sources`. On failure, prints
// `weir: cannot read ...` to the error stream and returns nullopt.
std::optional<source::FileId> readInput(const std::string& path, source::SourceManager& sources,
                                        Streams streams);

// Everything `weir check` knows about one root file.
struct CheckedProgram {
  sema::Program program;
  sema::ResolvedNames names;
  sema::TypedProgram types;
  sema::CheckedDeclarations declarations;
};

// Runs the front end (parse with imports, names, types) on a file already read.
CheckedProgram checkProgram(source::FileId root, source::SourceManager& sources,
                            diag::DiagnosticEngine& diags);

enum class DiagnosticFormat { Text, Json, Sarif };

// Prints collected diagnostics: text to the error stream, JSON or SARIF to the output stream.
void printDiagnostics(diag::DiagnosticEngine& diags, const source::SourceManager& sources,
                      DiagnosticFormat format, Streams streams);

// Takes `--name=value` or `--name value`; advances `i` past what it consumed.
std::optional<std::string> optionValue(const std::vector<std::string>& args, std::size_t& i,
                                       const std::string& name);

// Checks `file` and compiles it into its optimized plan. On errors, prints them (diagnostics,
// unknown targets with suggestions) as `weir COMMAND: ...`, sets `exitCode` and returns nullopt.
// `modules`, when given, receives the canonical paths of every file the program loaded.
std::optional<plan::Plan> compilePlan(const std::string& file, const plan::PassOptions& options, const char* command,
                                     Streams streams, int& exitCode, std::vector<std::string>* modules = nullptr);

// The value of `--jobs`: a number of threads from 1 to 1024, or nullopt.
std::optional<unsigned> parseJobs(const std::string& text);

// Where a program's project is: its root (canonical; the nearest folder with `.weir` or `.git`)
// and the program's canonical path (how the lineage database names it).
struct ProjectPaths {
  std::string root;
  std::string program;
};
ProjectPaths projectPaths(const std::string& file);

// A one-paragraph summary of what a module declares (`weir check --emit=summary`).
std::string summarizeModule(const ast::Module& module);

}  // namespace weir::driver
