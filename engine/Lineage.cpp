#include "engine/Lineage.h"

#include "engine/Project.h"
#include "store/LineageDb.h"
#include "store/SourceHashes.h"

#include <fmt/format.h>

namespace weir::engine {

namespace {

// The declarations a node reads, through the nodes of its own declaration.
void collectUpstream(const plan::Plan& plan, plan::NodeId id, std::set<std::string>& out, std::set<plan::NodeId>& seen) {
  for (plan::NodeId input : plan.node(id).inputs) {
    if (!seen.insert(input).second) continue;
    const plan::Node& node = plan.node(input);
    if (node.declarationResult) {
      out.insert(node.declaration);
    } else if (node.kind == plan::NodeKind::Scan && node.io && !node.io->declaration.empty()) {
      out.insert(node.io->declaration);  // a source read through a pushed-down filter
    } else {
      collectUpstream(plan, input, out, seen);
    }
  }
  // A scan a filter was pushed into reads its source.
  const plan::Node& self = plan.node(id);
  if (self.kind == plan::NodeKind::Scan && self.io && !self.io->declaration.empty() && self.io->declaration != self.declaration) {
    out.insert(self.io->declaration);
  }
}

}  // namespace

std::set<std::string> declarationsRead(const plan::Plan& plan, plan::NodeId id) {
  std::set<std::string> out;
  std::set<plan::NodeId> seen;
  collectUpstream(plan, id, out, seen);
  out.erase(plan.node(id).declaration);
  return out;
}

ProgramLineage programLineage(Workspace& workspace, const std::string& file) {
  ProgramLineage lineage;
  // Keep declarations apart: no fusion of their nodes, no merging of equal ones.
  CompileOptions options;
  options.passes.disabled = {"row-operator-fusion", "common-subplan-elimination"};
  lineage.compilation = workspace.compile(file, options);
  if (!lineage.compilation->ok()) return lineage;
  const plan::Plan& plan = *lineage.compilation->plan;
  lineage.program = programIdentity(file);

  Project project = Project::ofFile(file);
  std::unique_ptr<runtime::LineageDb> db;
  if (project.hasDatabase()) {
    std::string error;
    db = runtime::LineageDb::open(project.databaseFile(), error);
  }
  for (plan::NodeId id = 0; id < plan.size(); ++id) {
    const plan::Node& node = plan.node(id);
    if (!node.declarationResult) continue;
    DeclarationLineage& d = lineage.declarations[node.declaration];
    d.name = node.declaration;
    d.kind = plan::nodeKindName(node.kind);
    d.where = plan.whereBrief(node.range);
    d.line = node.range.begin.line;
    d.upstream = declarationsRead(plan, id);
    for (const sema::ColumnType& column : node.schema.columns) d.columns.emplace_back(column.name, column.origins);
    if (db) {
      for (const auto& production : db->productions(lineage.program, d.name, 20)) {
        if (production.kind == d.kind && d.runs.size() < 5) d.runs.push_back({production.run, production.started, production.status, production.rows});
      }
    }
  }
  for (auto& [name, d] : lineage.declarations) {
    for (const std::string& up : d.upstream) {
      if (auto it = lineage.declarations.find(up); it != lineage.declarations.end()) it->second.downstream.insert(name);
    }
  }
  return lineage;
}

namespace {

// Every declaration reachable from `start` through `next` (upstream or downstream).
std::set<std::string> reachable(const ProgramLineage& lineage, const std::string& start,
                                std::set<std::string> DeclarationLineage::*next) {
  std::set<std::string> seen;
  for (std::vector<std::string> stack{start}; !stack.empty();) {
    std::string name = stack.back();
    stack.pop_back();
    auto it = lineage.declarations.find(name);
    if (it == lineage.declarations.end()) continue;
    for (const std::string& other : it->second.*next) {
      if (lineage.declarations.count(other) && seen.insert(other).second) stack.push_back(other);
    }
  }
  return seen;
}

}  // namespace

std::optional<LineageSelection> selectLineage(const ProgramLineage& lineage, const std::string& name, std::string& error) {
  const auto& declarations = lineage.declarations;
  LineageSelection selection;
  if (name.empty()) {
    for (const auto& [declaration, d] : declarations) selection.shown.insert(declaration);
    return selection;
  }
  selection.only = name;
  if (!declarations.count(name)) {
    auto dot = name.rfind('.');
    if (dot == std::string::npos || !declarations.count(name.substr(0, dot))) {
      error = fmt::format("`{}` is not a declaration of `{}` that the plan computes", name, lineage.compilation->path);
      return std::nullopt;
    }
    selection.column = name.substr(dot + 1);
    selection.only = name.substr(0, dot);
  }
  const DeclarationLineage& only = declarations.at(selection.only);
  if (!selection.column.empty()) {
    bool found = false;
    for (const auto& [column, origins] : only.columns) {
      if (column != selection.column) continue;
      found = true;
      selection.columnOrigins.insert(origins.begin(), origins.end());
    }
    if (!found) {
      error = fmt::format("`{}` has no column `{}`", selection.only, selection.column);
      return std::nullopt;
    }
  }
  selection.downstream = reachable(lineage, selection.only, &DeclarationLineage::downstream);
  selection.shown = reachable(lineage, selection.only, &DeclarationLineage::upstream);
  selection.shown.insert(selection.downstream.begin(), selection.downstream.end());
  selection.shown.insert(selection.only);
  return selection;
}

bool LineageSelection::derivesFromColumn(const std::string& declaration, const std::string& name,
                                         const std::vector<std::string>& origins) const {
  if (declaration == only) return name == column;
  return downstream.count(declaration) > 0 && name == column && std::set<std::string>(origins.begin(), origins.end()) == columnOrigins;
}

std::string uuidOf(const std::string& text) {
  std::string hex = runtime::SourceHashes::hashBytes(text);
  hex[12] = '8';
  hex[16] = "89ab"[static_cast<unsigned char>(hex[16]) % 4];
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

}  // namespace weir::engine
