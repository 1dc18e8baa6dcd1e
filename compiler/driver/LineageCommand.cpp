#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Lineage.h"
#include "engine/OpenLineage.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* lineageHelp() {
  return R"(Usage: weir lineage [options] FILE [NAME]

Shows where data comes from and where it goes: for every declaration of FILE's
pipeline (or only NAME, a table, model or sink, or NAME.COLUMN for one column),
the declarations upstream and downstream, each column's source columns, and the
recorded runs that produced it (from .weir/weir.db).

With --format openlineage, a recorded run of FILE (its last, or --run N) as
OpenLineage 2-0-2 run events, one JSON object per line: the pipeline's run
(START, then COMPLETE, FAIL or ABORT) and a job per declaration that computed
in it, with its datasets' schemas and column lineage (docs/OPENLINEAGE.md).

Options:
  --format text|json|dot|openlineage
                  text for people (default); JSON (versioned); Graphviz DOT;
                  OpenLineage run events (NDJSON)
  --run N         with --format openlineage: run N (`weir runs` numbers them)
                  instead of the program's last recorded run
  --emit-to URL   with --format openlineage: POST each event to the
                  OpenLineage endpoint at URL (http:// only; the path
                  /api/v1/lineage when URL has none) instead of printing it;
                  a request without answer, a 5xx or a 429 is tried 3 times
  -h, --help      show this help

Exit codes: 0 success, 1 errors in the program, 2 usage or I/O error (no
recorded run, an endpoint that is down or refuses an event).
)";
}

namespace {

std::string lineageDot(const engine::ProgramLineage& lineage, const engine::LineageSelection& selection) {
  std::string out = "digraph lineage {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (const std::string& name : selection.shown) {
    const engine::DeclarationLineage& d = lineage.declarations.at(name);
    out += fmt::format("  \"{}\" [label=\"{}\\n{}\"{}];\n", name, name, d.kind, name == selection.only ? ", style=bold" : "");
  }
  for (const std::string& name : selection.shown) {
    for (const std::string& up : lineage.declarations.at(name).upstream) {
      if (selection.shown.count(up)) out += fmt::format("  \"{}\" -> \"{}\";\n", up, name);
    }
  }
  return out + "}\n";
}

// Weir's own JSON (versioned).
std::string lineageJson(const engine::ProgramLineage& lineage, const engine::LineageSelection& selection) {
  const std::string& pipeline = lineage.compilation->plan->name;
  json out = json::array();
  for (const std::string& name : selection.shown) {
    const engine::DeclarationLineage& d = lineage.declarations.at(name);
    json columns = json::array();
    for (const auto& [col, origins] : d.columns) {
      if (!selection.column.empty() && !selection.derivesFromColumn(name, col, origins)) continue;
      columns.push_back({{"name", col}, {"origins", origins}});
    }
    json runs = json::array();
    for (const auto& r : d.runs) runs.push_back({{"run", r.run}, {"started", r.started}, {"status", r.status}, {"rows", r.rows}});
    out.push_back({{"name", name}, {"kind", d.kind}, {"line", d.line}, {"where", d.where}, {"upstream", d.upstream},
                   {"downstream", d.downstream}, {"columns", columns}, {"runs", runs}});
  }
  json doc = {{"format", "weir-lineage"}, {"version", 1}, {"pipeline", pipeline}, {"declarations", out}};
  return support::jsonText(doc, 2) + "\n";
}

// `--format openlineage`: a recorded run's events, printed one per line or posted.
int openLineage(const CommandLine& line, const std::string& file, Streams streams) {
  std::optional<std::int64_t> run;
  if (std::optional<std::string> text = line.value("--run")) {
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < 1) {
      return usageError("lineage", fmt::format("--run takes a run number (1, 2, ...), not `{}`", *text), streams);
    }
    run = value;
  }
  engine::Workspace workspace;
  engine::OpenLineageRun events = engine::openLineageEvents(workspace, file, run);
  if (events.compilation && !events.compilation->ok()) return reportCompileFailure(*events.compilation, "lineage", streams);
  if (!events.error.empty()) {
    streams.err << "weir lineage: " << events.error << "\n";
    return kExitUsage;
  }
  for (const std::string& note : events.notes) streams.err << "weir lineage: note: " << note << "\n";
  std::optional<std::string> url = line.value("--emit-to");
  if (!url) {
    for (const std::string& event : events.events) streams.out << event << "\n";
    return kExitOk;
  }
  engine::OpenLineageDelivery delivery = engine::postOpenLineage(events.events, *url);
  if (!delivery.error.empty()) {
    streams.err << "weir lineage: " << delivery.error;
    if (delivery.sent > 0) streams.err << fmt::format(" ({} sent before it)", delivery.sent);
    streams.err << "\n";
    return kExitUsage;
  }
  streams.out << fmt::format("weir lineage: sent {} events of run {} to {}\n", delivery.sent, events.run, delivery.endpoint);
  return kExitOk;
}

std::string lineageText(const engine::ProgramLineage& lineage, const engine::LineageSelection& selection) {
  auto joined = [](const auto& names, const char* none) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? std::string(none) : out;
  };
  std::string out;
  for (const std::string& name : selection.shown) {
    const engine::DeclarationLineage& d = lineage.declarations.at(name);
    if (!selection.only.empty() && name != selection.only && selection.column.empty()) continue;
    if (selection.column.empty()) {
      out += fmt::format("{} ({}, {})\n  upstream:   {}\n  downstream: {}\n", name, d.kind, d.where, joined(d.upstream, "(none)"),
                         joined(d.downstream, "(none)"));
      for (const auto& [col, origins] : d.columns) out += fmt::format("  {} <- {}\n", col, joined(origins, "(computed)"));
      for (const auto& r : d.runs) out += fmt::format("  run {} at {}: {}, {} rows\n", r.run, r.started, r.status, r.rows);
      continue;
    }
    for (const auto& [col, origins] : d.columns) {
      if (!selection.derivesFromColumn(name, col, origins)) continue;
      out += fmt::format("{}.{} ({}, {}) <- {}\n", name, col, d.kind, d.where, joined(origins, "(computed)"));
    }
  }
  return out;
}

}  // namespace

int runLineage(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line = CommandLine::parse(
      "lineage", args, {{"--format", true, {"text", "json", "dot", "openlineage"}, "format"}, {"--run", true}, {"--emit-to", true}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.empty() || positional.size() > 2 || positional[0] == "-") {
    return usageError("lineage", "give a program file and at most one name", streams);
  }
  std::string format = line->value("--format").value_or("text");
  if (format == "openlineage") {
    if (positional.size() == 2) return usageError("lineage", "--format openlineage describes a whole run: give no NAME", streams);
    return openLineage(*line, positional[0], streams);
  }
  for (const char* option : {"--run", "--emit-to"}) {
    if (line->has(option)) return usageError("lineage", fmt::format("{} goes with --format openlineage", option), streams);
  }
  engine::Workspace workspace;
  engine::ProgramLineage lineage = engine::programLineage(workspace, positional[0]);
  if (!lineage.compilation->ok()) return reportCompileFailure(*lineage.compilation, "lineage", streams);
  std::string error;
  std::optional<engine::LineageSelection> selection = engine::selectLineage(lineage, positional.size() == 2 ? positional[1] : "", error);
  if (!selection) {
    streams.err << "weir lineage: " << error << "\n";
    return kExitUsage;
  }
  if (format == "dot") streams.out << lineageDot(lineage, *selection);
  else if (format == "json") streams.out << lineageJson(lineage, *selection);
  else streams.out << lineageText(lineage, *selection);
  return kExitOk;
}

}  // namespace weir::driver
