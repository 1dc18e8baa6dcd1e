#include "driver/Frontend.h"
#include "engine/Lineage.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <set>

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

int runLineage(const std::vector<std::string>& args, Streams streams) {
  std::optional<CommandLine> line =
      CommandLine::parse("lineage", args, {{"--format", true, {"text", "json", "dot", "openlineage"}, "format"}}, streams);
  if (!line) return kExitUsage;
  const std::vector<std::string>& positional = line->positional();
  if (positional.empty() || positional.size() > 2 || positional[0] == "-") {
    return usageError("lineage", "give a program file and at most one name", streams);
  }
  std::string format = line->value("--format").value_or("text");
  engine::Workspace workspace;
  engine::ProgramLineage lineage = engine::programLineage(workspace, positional[0]);
  if (!lineage.compilation->ok()) return reportCompileFailure(*lineage.compilation, "lineage", streams);
  const plan::Plan* plan = &*lineage.compilation->plan;
  const std::string& program = lineage.program;
  std::map<std::string, engine::DeclarationLineage>& declarations = lineage.declarations;

  // What to show: everything, one declaration, or one column.
  std::string only, column;
  if (positional.size() == 2) {
    only = positional[1];
    if (!declarations.count(only)) {
      auto dot = only.rfind('.');
      if (dot != std::string::npos && declarations.count(only.substr(0, dot))) {
        column = only.substr(dot + 1);
        only = only.substr(0, dot);
      } else {
        streams.err << fmt::format("weir lineage: `{}` is not a declaration of `{}` that the plan computes\n", positional[1], positional[0]);
        return kExitUsage;
      }
    }
    const auto& columns = declarations.at(only).columns;
    if (!column.empty() && std::none_of(columns.begin(), columns.end(), [&](const auto& c) { return c.first == column; })) {
      streams.err << fmt::format("weir lineage: `{}` has no column `{}`\n", only, column);
      return kExitUsage;
    }
  }
  // With a name: it and everything upstream and downstream of it.
  std::set<std::string> shown;
  if (only.empty()) {
    for (const auto& [name, d] : declarations) shown.insert(name);
  } else {
    std::vector<std::string> work{only};
    std::set<std::string> up, down;
    for (std::vector<std::string> stack{only}; !stack.empty();) {
      std::string n = stack.back();
      stack.pop_back();
      for (const std::string& u : declarations[n].upstream) {
        if (declarations.count(u) && up.insert(u).second) stack.push_back(u);
      }
    }
    for (std::vector<std::string> stack{only}; !stack.empty();) {
      std::string n = stack.back();
      stack.pop_back();
      for (const std::string& d : declarations[n].downstream) {
        if (down.insert(d).second) stack.push_back(d);
      }
    }
    shown = up;
    shown.insert(down.begin(), down.end());
    shown.insert(only);
  }
  // A column's downstream: columns of shown declarations whose origins include its own.
  std::set<std::string> columnOrigins;
  if (!column.empty()) {
    for (const auto& [name, origins] : declarations.at(only).columns) {
      if (name == column) columnOrigins.insert(origins.begin(), origins.end());
    }
  }
  // Downstream, the column is the one of the same name and the same source columns (lineage is
  // kept as source columns, so a column computed from it under another name is not followed).
  std::set<std::string> downstreamOfOnly;
  if (!only.empty()) {
    for (std::vector<std::string> stack{only}; !stack.empty();) {
      std::string n = stack.back();
      stack.pop_back();
      for (const std::string& d : declarations[n].downstream) {
        if (downstreamOfOnly.insert(d).second) stack.push_back(d);
      }
    }
  }
  auto derivesFromColumn = [&](const std::string& declaration, const std::string& name, const std::vector<std::string>& origins) {
    if (declaration == only) return name == column;
    return downstreamOfOnly.count(declaration) > 0 && name == column &&
           std::set<std::string>(origins.begin(), origins.end()) == columnOrigins;
  };

  if (format == "dot") {
    streams.out << "digraph lineage {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n";
    for (const std::string& name : shown) {
      const engine::DeclarationLineage& d = declarations.at(name);
      streams.out << fmt::format("  \"{}\" [label=\"{}\\n{}\"{}];\n", name, name, d.kind, name == only ? ", style=bold" : "");
    }
    for (const std::string& name : shown) {
      for (const std::string& up : declarations.at(name).upstream) {
        if (shown.count(up)) streams.out << fmt::format("  \"{}\" -> \"{}\";\n", up, name);
      }
    }
    streams.out << "}\n";
    return kExitOk;
  }
  if (format == "json" || format == "openlineage") {
    json out = json::array();
    std::string ns = "weir://" + plan->name;
    for (const std::string& name : shown) {
      const engine::DeclarationLineage& d = declarations.at(name);
      json fields = json::object();
      json columns = json::array();
      for (const auto& [col, origins] : d.columns) {
        if (!column.empty() && !derivesFromColumn(name, col, origins)) continue;
        json inputs = json::array();
        for (const std::string& origin : origins) {
          auto dot = origin.rfind('.');
          inputs.push_back({{"namespace", ns}, {"name", origin.substr(0, dot)}, {"field", origin.substr(dot + 1)}});
        }
        fields[col] = {{"inputFields", inputs}};
        columns.push_back({{"name", col}, {"origins", origins}});
      }
      if (format == "json") {
        json runs = json::array();
        for (const auto& r : d.runs) runs.push_back({{"run", r.run}, {"started", r.started}, {"status", r.status}, {"rows", r.rows}});
        out.push_back({{"name", name}, {"kind", d.kind}, {"line", d.line}, {"upstream", d.upstream}, {"downstream", d.downstream},
                       {"columns", columns}, {"runs", runs}});
        continue;
      }
      // OpenLineage 2-0-2: one RunEvent per declaration, for its last recorded run.
      json inputs = json::array();
      for (const std::string& up : d.upstream) inputs.push_back({{"namespace", ns}, {"name", up}});
      std::string runKey = d.runs.empty() ? program + "|" + name : program + "|" + std::to_string(d.runs.front().run) + "|" + name;
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
    if (format == "json") {
      json doc = {{"version", 1}, {"pipeline", plan->name}, {"declarations", out}};
      streams.out << doc.dump(2) << "\n";
    } else {
      streams.out << out.dump(2) << "\n";
    }
    return kExitOk;
  }
  // Text.
  for (const std::string& name : shown) {
    const engine::DeclarationLineage& d = declarations.at(name);
    if (!only.empty() && name != only && column.empty()) continue;
    auto list = [](const std::set<std::string>& names) {
      std::string out;
      for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
      return out.empty() ? std::string("(none)") : out;
    };
    if (column.empty()) {
      streams.out << fmt::format("{} ({}, {})\n  upstream:   {}\n  downstream: {}\n", name, d.kind, d.where, list(d.upstream), list(d.downstream));
      for (const auto& [col, origins] : d.columns) {
        std::string from;
        for (const std::string& o : origins) from += (from.empty() ? "" : ", ") + o;
        streams.out << fmt::format("  {} <- {}\n", col, from.empty() ? "(computed)" : from);
      }
      for (const auto& r : d.runs) {
        streams.out << fmt::format("  run {} at {}: {}, {} rows\n", r.run, r.started, r.status, r.rows);
      }
      continue;
    }
    for (const auto& [col, origins] : d.columns) {
      if (!derivesFromColumn(name, col, origins)) continue;
      std::string from;
      for (const std::string& o : origins) from += (from.empty() ? "" : ", ") + o;
      streams.out << fmt::format("{}.{} ({}, {}) <- {}\n", name, col, d.kind, d.where, from.empty() ? "(computed)" : from);
    }
  }
  return kExitOk;
}

}  // namespace weir::driver
