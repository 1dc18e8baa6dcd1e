#include "driver/Frontend.h"
#include "engine/Formatting.h"
#include "support/TerminalText.h"

#include <fmt/format.h>

#include <istream>
#include <iterator>

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

int runFmt(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("fmt", args, {{"--check"}}, streams);
  if (!line) return kExitUsage;
  bool check = line->has("--check");
  const std::vector<std::string>& files = line->positional();
  if (files.empty()) return usageError("fmt", "no input files (use `-` for standard input)", streams);

  int status = kExitOk;
  auto fail = [&](int code) {
    if (status == kExitOk || code == kExitUsage) status = code;
  };
  for (const std::string& path : files) {
    std::string text;
    if (path == "-") {
      text.assign(std::istreambuf_iterator<char>(streams.in), std::istreambuf_iterator<char>());
    } else {
      std::string error;
      std::optional<std::string> read = source::readWholeFile(path, error);
      if (!read) {
        streams.err << fmt::format("weir: cannot read `{}`: {}\n", path, error);
        fail(kExitUsage);
        continue;
      }
      text = std::move(*read);
    }
    engine::FormattedText formatted = engine::formatText(path == "-" ? "<stdin>" : path, std::move(text));
    if (formatted.diagnostics.hasErrors()) {
      printDiagnostics(formatted.diagnostics, formatted.sources, DiagnosticFormat::Text, streams);
      fail(kExitFailed);
    } else if (formatted.meaningChanged) {
      streams.err << fmt::format("weir fmt: internal error: formatting `{}` would change its meaning; the file was left alone\n", path);
      fail(kExitUsage);
    } else if (path == "-" && !check) {
      streams.out << support::Verbatim{*formatted.text};  // the program, byte for byte
    } else if (formatted.changed() && check) {
      streams.out << (path == "-" ? "<stdin>" : path) << "\n";
      fail(kExitFailed);
    } else if (formatted.changed()) {
      std::string error;
      if (!engine::replaceFile(path, *formatted.text, error)) {
        streams.err << fmt::format("weir fmt: cannot write `{}`: {}\n", path, error);
        fail(kExitUsage);
      }
    }
  }
  return status;
}

}  // namespace weir::driver
