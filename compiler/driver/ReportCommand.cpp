#include "driver/CommandLine.h"
#include "driver/HtmlReport.h"
#include "engine/RunSummary.h"
#include "io/AtomicFile.h"

#include <fmt/format.h>

#include <charconv>
#include <ostream>

namespace weir::driver {

const char* reportHelp() {
  return R"(Usage: weir report FILE [--run N] [--out PATH]

Writes a recorded run of FILE's pipeline (default: its last run) as one HTML page:
the plan as a picture with each node's status, the nodes' rows and times,
expectation results, metrics as bars, gate decisions with each condition, and
the column lineage. The page is self-contained (inline CSS and SVG, no script,
nothing fetched), so it can be kept as a CI artifact or mailed. Nothing runs.

Options:
  --run N         the run to show, as `weir runs` numbers it (default: the last
                  run of FILE)
  --out PATH      write the page to PATH (atomically) instead of standard output
  -h, --help      show this help

Exit codes: 0 the report was written, 2 usage or I/O error, no recorded run, or
a program that does not compile now.
)";
}

int runReport(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse("report", args, {{"--run", true}, {"--out", true}}, streams);
  if (!line) return kExitUsage;
  if (line->positional().size() != 1 || line->positional()[0] == "-") return usageError("report", "give exactly one program file", streams);
  std::optional<std::int64_t> run;
  if (std::optional<std::string> text = line->value("--run")) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < 1) {
      return usageError("report", fmt::format("a run is a number (1, 2, ...), not `{}`", *text), streams);
    }
    run = value;
  }
  engine::Workspace workspace;
  engine::RunSummary summary = engine::summarizeRun(workspace, line->positional()[0], run);
  if (!summary.error.empty()) {
    streams.err << "weir report: " << summary.error << "\n";
    return kExitUsage;
  }
  std::string page = renderHtmlReport(summary, weirVersion());
  if (std::optional<std::string> out = line->value("--out")) {
    std::string error;
    if (!runtime::writeFileAtomically(*out, page, error)) {
      streams.err << fmt::format("weir report: cannot write {}: {}\n", *out, error);
      return kExitUsage;
    }
    streams.err << fmt::format("weir report: run {} of {} written to {}\n", summary.run.id, summary.program, *out);
    return kExitOk;
  }
  streams.out << page;
  return kExitOk;
}

}  // namespace weir::driver
