#pragma once

// What the commands share: printing diagnostics, saying why a
// compilation gave no plan. Orchestration lives in the engine (engine/); commands parse their
// options (driver/CommandLine.h), call the engine and render what it returns.

#include "driver/CommandLine.h"
#include "driver/Driver.h"
#include "engine/Compilation.h"
#include "source/SourceManager.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::driver {

enum class DiagnosticFormat { Text, Json, Sarif };

// Prints collected diagnostics: text to the error stream, JSON or SARIF to the output stream.
// `executionErrors` (files that could not be read) make a SARIF log's invocation unsuccessful
// and are listed in JSON's `unreadable`; text says them on the error stream where they happen.
void printDiagnostics(const diag::DiagnosticEngine& diags, const source::SourceManager& sources, DiagnosticFormat format,
                      Streams streams, const std::vector<std::string>& executionErrors = {});
// The diagnostics of several compilations as one list (one JSON array, one SARIF run).
void printDiagnostics(const std::vector<std::shared_ptr<const engine::Compilation>>& compilations, DiagnosticFormat format,
                      Streams streams, const std::vector<std::string>& executionErrors = {});

// Says why a compilation gave no plan (its errors, an unreadable file, an unknown target) as
// `weir COMMAND` and returns the exit code.
int reportCompileFailure(const engine::Compilation& compilation, const std::string& command, Streams streams);

// A one-paragraph summary of what a module declares (`weir check --emit=summary`).
std::string summarizeModule(const ast::Module& module);

}  // namespace weir::driver
