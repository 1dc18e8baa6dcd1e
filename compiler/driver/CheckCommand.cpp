#include "ast/AstPrinter.h"
#include "diagnostics/DiagnosticRenderer.h"
#include "driver/Frontend.h"

#include <fmt/format.h>

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
                       standard error (default), a JSON array, or SARIF 2.1.0 (for
                       code-scanning tools) on standard output
  --emit ast|types|lineage|summary
                       also print on standard output each file's syntax tree, the
                       inferred schema of each table it declares, the source
                       columns each column is computed from, or a summary
  --no-ranges          with --emit ast: leave out the source ranges
  -h, --help           show this help

Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage or I/O error.
)";
}

std::optional<std::string> optionValue(const std::vector<std::string>& args, std::size_t& i,
                                       const std::string& name) {
  const std::string& arg = args[i];
  if (arg.rfind(name + "=", 0) == 0) return arg.substr(name.size() + 1);
  if (arg == name && i + 1 < args.size()) return args[++i];
  return std::nullopt;
}

std::optional<source::FileId> readInput(const std::string& path, source::SourceManager& sources,
                                        Streams streams) {
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(streams.in)), std::istreambuf_iterator<char>());
    return sources.addFile("<stdin>", std::move(text)).id();
  }
  std::string error;
  std::optional<source::FileId> id = sources.loadFile(path, error);
  if (!id) streams.err << fmt::format("weir: cannot read `{}`: {}\n", path, error);
  return id;
}

CheckedProgram checkProgram(source::FileId root, source::SourceManager& sources,
                            diag::DiagnosticEngine& diags) {
  const source::SourceFile* file = sources.file(root);
  sema::LoaderOptions options{findStdlibDir(), sema::findProjectRoot(file->path())};
  CheckedProgram checked;
  checked.program = sema::loadProgram(root, sources, diags, options);
  checked.names = sema::resolveNames(checked.program, diags);
  checked.types = sema::checkTypes(checked.program, checked.names, diags);
  checked.declarations = sema::checkDeclarations(checked.program, checked.names, checked.types, diags);
  sema::checkGovernance(checked.program, checked.names, checked.types, checked.declarations, diags);
  return checked;
}

void printDiagnostics(diag::DiagnosticEngine& diags, const source::SourceManager& sources, DiagnosticFormat format,
                      Streams streams) {
  diags.sortByLocation();
  if (format == DiagnosticFormat::Json) {
    diag::renderJson(diags.diagnostics(), sources, streams.out);
    return;
  }
  if (format == DiagnosticFormat::Sarif) {
    diag::renderSarif(diags.diagnostics(), sources, streams.out, weirVersion());
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

int runCheck(const std::vector<std::string>& args, Streams streams) {
  DiagnosticFormat format = DiagnosticFormat::Text;
  bool ranges = true;
  std::string emit;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (auto value = optionValue(args, i, "--format")) {
      if (*value != "text" && *value != "json" && *value != "sarif") {
        streams.err << fmt::format("weir check: unknown format `{}` (use `text`, `json` or `sarif`)\n", *value);
        return kExitUsage;
      }
      format = *value == "json" ? DiagnosticFormat::Json : *value == "sarif" ? DiagnosticFormat::Sarif : DiagnosticFormat::Text;
    } else if (auto emitValue = optionValue(args, i, "--emit")) {
      if (*emitValue != "ast" && *emitValue != "summary" && *emitValue != "types" && *emitValue != "lineage") {
        streams.err << fmt::format("weir check: unknown --emit `{}` (use `ast`, `types`, `lineage` or `summary`)\n",
                                   *emitValue);
        return kExitUsage;
      }
      emit = *emitValue;
    } else if (arg == "--no-ranges") {
      ranges = false;
    } else if (arg.size() > 1 && arg[0] == '-') {
      streams.err << fmt::format("weir check: unknown option `{}`\nRun `weir help check` for usage.\n", arg);
      return kExitUsage;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    streams.err << "weir check: no input files\nRun `weir help check` for usage.\n";
    return kExitUsage;
  }

  source::SourceManager sources;
  diag::DiagnosticEngine diags;
  bool ioError = false;
  for (const std::string& path : files) {
    std::optional<source::FileId> root = readInput(path, sources, streams);
    if (!root) {
      ioError = true;
      continue;
    }
    CheckedProgram checked = checkProgram(*root, sources, diags);
    const ast::Module& module = *checked.program.root->ast;
    if (emit == "ast") streams.out << ast::printModule(module, {ranges});
    if (emit == "summary") streams.out << summarizeModule(module);
    if (emit == "types") {
      streams.out << sema::printTypes(checked.program, checked.types)
                  << sema::printModelTypes(checked.program, checked.types, checked.declarations);
    }
    if (emit == "lineage") streams.out << sema::printLineage(checked.program, checked.types);
  }
  printDiagnostics(diags, sources, format, streams);
  if (ioError) return kExitUsage;
  return diags.hasErrors() ? kExitFailed : kExitOk;
}

}  // namespace weir::driver
