#include "driver/Frontend.h"
#include "support/JsonText.h"
#include "engine/Lineage.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <ostream>

namespace weir::driver {

using json = nlohmann::ordered_json;

const char* lineageHelp() {
  return R"(Usage: weir lineage [options] FILE [NAME]

Shows where data comes from and where it goes: for every declaration of FILE's
pipeline (or only NAME, a table, model or sink, or NAME.COLUMN for one column),
the declarations upstream and downstream, each column's source columns, and the
recorded runs that produced it (from .weir/weir.db).

Options:
  --format text|json|dot|openlineage
                  text for people (default); JSON (versioned); Graphviz DOT;
                  OpenLineage RunEvents with the column-lineage facet
  -h, --help      show this help

Exit codes: 0 success, 1 errors in the program, 2 usage or I/O error.
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

// Weir's own JSON (versioned), or OpenLineage 2-0-2 RunEvents with the column-lineage facet.
std::string lineageJson(const engine::ProgramLineage& lineage, const engine::LineageSelection& selection, bool openLineage) {
  const std::string& pipeline = lineage.compilation->plan->name;
  json out = json::array();
  std::string ns = "weir://" + pipeline;
  for (const std::string& name : selection.shown) {
    const engine::DeclarationLineage& d = lineage.declarations.at(name);
    json fields = json::object();
    json columns = json::array();
    for (const auto& [col, origins] : d.columns) {
      if (!selection.column.empty() && !selection.derivesFromColumn(name, col, origins)) continue;
      json inputs = json::array();
      for (const std::string& origin : origins) {
        auto dot = origin.rfind('.');
        inputs.push_back({{"namespace", ns}, {"name", origin.substr(0, dot)}, {"field", origin.substr(dot + 1)}});
      }
      fields[col] = {{"inputFields", inputs}};
      columns.push_back({{"name", col}, {"origins", origins}});
    }
    if (!openLineage) {
      json runs = json::array();
      for (const auto& r : d.runs) runs.push_back({{"run", r.run}, {"started", r.started}, {"status", r.status}, {"rows", r.rows}});
      out.push_back({{"name", name}, {"kind", d.kind}, {"line", d.line}, {"where", d.where}, {"upstream", d.upstream},
                     {"downstream", d.downstream}, {"columns", columns}, {"runs", runs}});
      continue;
    }
    // One RunEvent per declaration, for its last recorded run.
    json inputs = json::array();
    for (const std::string& up : d.upstream) inputs.push_back({{"namespace", ns}, {"name", up}});
    std::string runKey = d.runs.empty() ? lineage.program + "|" + name : lineage.program + "|" + std::to_string(d.runs.front().run) + "|" + name;
    out.push_back({{"eventType", d.runs.empty() ? "OTHER" : "COMPLETE"},
                   {"eventTime", d.runs.empty() ? "1970-01-01T00:00:00Z" : d.runs.front().started},
                   {"producer", "urn:weir:engine:0.1.0"},
                   {"schemaURL", "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"},
                   {"run", {{"runId", engine::uuidOf(runKey)}}},
                   {"job", {{"namespace", ns}, {"name", name}}},
                   {"inputs", inputs},
                   {"outputs",
                    json::array({{{"namespace", ns},
                                  {"name", name},
                                  {"facets",
                                   {{"columnLineage",
                                     {{"_producer", "urn:weir:engine:0.1.0"},
                                      {"_schemaURL", "https://openlineage.io/spec/facets/1-0-1/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"},
                                      {"fields", fields}}}}}}})}});
  }
  if (openLineage) return support::jsonText(out, 2) + "\n";
  json doc = {{"format", "weir-lineage"}, {"version", 1}, {"pipeline", pipeline}, {"declarations", out}};
  return support::jsonText(doc, 2) + "\n";
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
  std::optional<CommandLine> line =
      CommandLine::parse("lineage", args, {{"--format", true, {"text", "json", "dot", "openlineage"}, "format"}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.empty() || positional.size() > 2 || positional[0] == "-") {
    return usageError("lineage", "give a program file and at most one name", streams);
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
  std::string format = line->value("--format").value_or("text");
  if (format == "dot") streams.out << lineageDot(lineage, *selection);
  else if (format == "json") streams.out << lineageJson(lineage, *selection, false);
  else if (format == "openlineage") streams.out << lineageJson(lineage, *selection, true);
  else streams.out << lineageText(lineage, *selection);
  return kExitOk;
}

}  // namespace weir::driver
