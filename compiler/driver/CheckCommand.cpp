#include "ast/AstPrinter.h"
#include "diagnostics/DiagnosticRenderer.h"
#include "diagnostics/SarifRenderer.h"
#include "driver/Frontend.h"
#include "engine/Workspace.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <iterator>

namespace weir::driver {

const char* checkHelp() {
  return R"(Usage: weir check [options] FILE...

Parses and checks each file and the modules it imports, and reports every error
and warning. A FILE of `-` reads standard input.

Options:
  --format text|json|sarif
                       how diagnostics are printed: GNU-style text with carets on
                       standard error (default), a JSON document (weir-diagnostics,
                       docs/schemas/), or SARIF 2.1.0 (for code-scanning tools) on
                       standard output; `--json` is `--format json`
  --emit ast|types|lineage|summary
                       also print on standard output each file's syntax tree, the
                       inferred schema of each table it declares, the source
                       columns each column is computed from, or a summary
  --no-ranges          with --emit ast: leave out the source ranges
  -h, --help           show this help

Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.
)";
}

namespace {

// The root SARIF locations are relative to: the repository the working folder is in (the
// nearest folder above it with `.git`, a folder or a worktree's file), else the working folder.
std::string repositoryRoot(const std::filesystem::path& workingFolder) {
  std::error_code error;
  for (std::filesystem::path folder = workingFolder; !folder.empty(); folder = folder.parent_path()) {
    if (std::filesystem::exists(folder / ".git", error)) return folder.string();
    if (folder == folder.parent_path()) break;
  }
  return workingFolder.string();
}

}  // namespace

void printDiagnostics(const diag::DiagnosticEngine& diags, const source::SourceManager& sources, DiagnosticFormat format,
                      Streams streams, const std::vector<std::string>& executionErrors) {
  if (format == DiagnosticFormat::Json) {
    diag::renderJson(diags.diagnostics(), sources, streams.out, executionErrors);
    return;
  }
  if (format == DiagnosticFormat::Sarif) {
    diag::SarifOptions options;
    options.toolVersion = weirVersion();
    std::error_code error;
    std::filesystem::path workingFolder = std::filesystem::current_path(error);
    options.workingFolder = workingFolder.string();
    options.rootFolder = repositoryRoot(workingFolder);
    options.executionErrors = executionErrors;
    diag::renderSarif(diags.diagnostics(), sources, options, streams.out);
    return;
  }
  diag::renderText(diags.diagnostics(), sources, streams.err, streams.colorErr);
  if (diags.errorCount() + diags.warningCount() > 0) {
    auto plural = [](std::size_t n, const char* word) {
      return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
    };
    streams.err << fmt::format("weir: {}, {}\n", plural(diags.errorCount(), "error"),
                               plural(diags.warningCount(), "warning"));
  }
}

void printDiagnostics(const std::vector<std::shared_ptr<const engine::Compilation>>& compilations, DiagnosticFormat format,
                      Streams streams, const std::vector<std::string>& executionErrors) {
  // The compilations of one workspace number their files apart, so one list can hold them all.
  source::SourceManager sources;
  diag::DiagnosticEngine diags;
  for (const auto& compilation : compilations) {
    for (const auto& file : compilation->sources.files()) sources.adoptFile(file);
    for (const diag::Diagnostic& diagnostic : compilation->diagnostics.diagnostics()) diags.record(diagnostic);
  }
  printDiagnostics(diags, sources, format, streams, executionErrors);
}

int reportCompileFailure(const engine::Compilation& compilation, const std::string& command, Streams streams) {
  switch (compilation.status) {
    case engine::CompileStatus::Ok: return kExitOk;
    case engine::CompileStatus::Unreadable:
      streams.err << "weir: " << compilation.problem << "\n";
      return kExitUsage;
    case engine::CompileStatus::Errors:
      printDiagnostics(compilation.diagnostics, compilation.sources, DiagnosticFormat::Text, streams);
      return kExitFailed;
    case engine::CompileStatus::UnknownTarget:
      streams.err << fmt::format("weir {}: {}\n", command, compilation.problem);
      return kExitUsage;
    case engine::CompileStatus::InvalidPlan: {
      std::string problems = compilation.problem;
      for (std::size_t start = 0; start < problems.size();) {
        std::size_t end = problems.find('\n', start);
        if (end == std::string::npos) end = problems.size();
        streams.err << fmt::format("weir {}: internal error: invalid plan {}\n", command, problems.substr(start, end - start));
        start = end + 1;
      }
      return kExitUsage;
    }
    case engine::CompileStatus::Cancelled:
      streams.err << fmt::format("weir {}: cancelled\n", command);
      return kExitUsage;
  }
  return kExitUsage;
}

int runCheck(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line =
      CommandLine::parse("check", args,
                         {{"--format", true, {"text", "json", "sarif"}, "format"},
                          {"--emit", true, {"ast", "types", "lineage", "summary"}, "--emit"},
                          {"--no-ranges"}},
                         streams);
  if (!line) return kExitUsage;
  std::string formatName = line->value("--format").value_or("text");
  DiagnosticFormat format = formatName == "json" ? DiagnosticFormat::Json : formatName == "sarif" ? DiagnosticFormat::Sarif : DiagnosticFormat::Text;
  std::string emit = line->value("--emit").value_or("");
  bool ranges = !line->has("--no-ranges");
  if (line->positional().empty()) return usageError("check", "no input files", streams);

  engine::Workspace workspace;
  engine::CompileOptions options;
  options.plan = false;
  std::vector<std::shared_ptr<const engine::Compilation>> compilations;
  std::vector<std::string> ioErrors;
  bool errors = false;
  for (const std::string& path : line->positional()) {
    std::shared_ptr<const engine::Compilation> compilation;
    if (path == "-") {
      std::string text((std::istreambuf_iterator<char>(streams.in)), std::istreambuf_iterator<char>());
      compilation = workspace.compileText("<stdin>", std::move(text), options);
    } else {
      compilation = workspace.compile(path, options);
    }
    if (compilation->status == engine::CompileStatus::Unreadable) {
      streams.err << "weir: " << compilation->problem << "\n";
      ioErrors.push_back(compilation->problem);
      continue;
    }
    errors = errors || compilation->diagnostics.hasErrors();
    compilations.push_back(compilation);
    const engine::CheckedProgram& checked = *compilation->checked;
    const ast::Module& module = *checked.program.root->ast;
    if (emit == "ast") streams.out << ast::printModule(module, {ranges});
    if (emit == "summary") streams.out << summarizeModule(module);
    if (emit == "types") {
      streams.out << sema::printTypes(checked.program, checked.types)
                  << sema::printModelTypes(checked.program, checked.types, checked.declarations);
    }
    if (emit == "lineage") streams.out << sema::printLineage(checked.program, checked.types);
  }
  printDiagnostics(compilations, format, streams, ioErrors);
  if (!ioErrors.empty()) return kExitUsage;
  return errors ? kExitFailed : kExitOk;
}

}  // namespace weir::driver
