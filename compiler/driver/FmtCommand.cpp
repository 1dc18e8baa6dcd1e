#include "ast/AstPrinter.h"
#include "driver/Frontend.h"
#include "format/Formatter.h"
#include "io/AtomicFile.h"
#include "parse/Parser.h"

#include <fmt/format.h>

namespace weir::driver {

const char* fmtHelp() {
  return R"(Usage: weir fmt [--check] FILE...
       weir fmt -

Rewrites each file in Weir's canonical layout, in place (as gofmt -w does).
Comments are kept; formatting never changes what a program means. With `-`,
reads standard input and prints the formatted program on standard output.
Files with syntax errors are reported and left alone.

Options:
  --check      change nothing; list the files that are not formatted, exit 1 if any
  -h, --help   show this help

Exit codes: 0 success, 1 syntax errors or (with --check) unformatted files,
2 usage or I/O error.
)";
}

namespace {

// Formats one parsed file, and makes sure formatting kept its meaning (the AST, without source
// ranges, is the same after a round trip).
std::optional<std::string> formatChecked(const ast::Module& module, const std::string& path, Streams streams) {
  std::string formatted = format::formatModule(module);
  source::SourceManager scratch;
  diag::DiagnosticEngine roundTripDiags;
  auto reparsed = parse::parseModule(scratch.addFile(path, formatted), roundTripDiags);
  ast::AstPrintOptions noRanges{false};
  if (roundTripDiags.hasErrors() || ast::printModule(*reparsed, noRanges) != ast::printModule(module, noRanges)) {
    streams.err << fmt::format(
        "weir fmt: internal error: formatting `{}` would change its meaning; the file was left alone\n", path);
    return std::nullopt;
  }
  return formatted;
}

}  // namespace

int runFmt(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("fmt", args, {{"--check"}}, streams);
  if (!line) return kExitUsage;
  bool check = line->has("--check");
  const std::vector<std::string>& files = line->positional();
  if (files.empty()) return usageError("fmt", "no input files (use `-` for standard input)", streams);

  source::SourceManager sources;
  int status = kExitOk;
  for (const std::string& path : files) {
    std::optional<source::FileId> id = readInput(path, sources, streams);
    if (!id) {
      status = kExitUsage;
      continue;
    }
    const source::SourceFile& file = *sources.file(*id);
    diag::DiagnosticEngine diags;
    auto module = parse::parseModule(file, diags);
    if (diags.hasErrors()) {
      printDiagnostics(diags, sources, DiagnosticFormat::Text, streams);
      if (status == kExitOk) status = kExitFailed;
      continue;
    }
    std::optional<std::string> formatted = formatChecked(*module, file.path(), streams);
    if (!formatted) {
      status = kExitUsage;
      continue;
    }
    if (path == "-") {
      if (check) {
        if (*formatted != file.text()) {
          streams.out << "<stdin>\n";
          if (status == kExitOk) status = kExitFailed;
        }
      } else {
        streams.out << *formatted;
      }
      continue;
    }
    if (*formatted == file.text()) continue;
    if (check) {
      streams.out << path << "\n";
      if (status == kExitOk) status = kExitFailed;
      continue;
    }
    std::string error;
    if (!runtime::writeFileAtomically(path, *formatted, error)) {
      streams.err << fmt::format("weir fmt: cannot write `{}`: {}\n", path, error);
      status = kExitUsage;
    }
  }
  return status;
}

}  // namespace weir::driver
