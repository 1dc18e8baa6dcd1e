#include "engine/RunSummary.h"

#include "engine/Lineage.h"
#include "engine/Project.h"
#include "store/SourceHashes.h"

#include <fmt/format.h>

#include <map>

namespace weir::engine {

RunSummary summarizeRun(Workspace& workspace, const std::string& file, std::optional<std::int64_t> runId) {
  RunSummary summary;
  std::optional<Project> found = Project::ofExistingPath(file, summary.error);
  if (!found) return summary;
  const Project& project = *found;
  summary.root = project.root();
  summary.program = project.shown(programIdentity(file));
  std::unique_ptr<runtime::LineageDb> db = openRecordedDatabase(project, summary.error);
  if (!db) return summary;
  std::string program = programIdentity(file);
  std::optional<runtime::RunRecord> record;
  if (runId) {
    record = db->run(*runId);
    if (record && record->program != program) {
      summary.error = fmt::format("run {} is a run of {}, not of {}", *runId, project.shown(record->program), summary.program);
      return summary;
    }
  } else {
    std::vector<runtime::RunRecord> runs = db->runs(program);
    if (!runs.empty()) record = runs.back();
  }
  if (!record) {
    summary.error = runId ? fmt::format("there is no run {} in {}", *runId, project.shown(project.databaseFile()))
                          : fmt::format("{} has not run yet (no run of it in {})", summary.program, project.shown(project.databaseFile()));
    return summary;
  }
  summary.run = *record;

  ProgramLineage lineage = programLineage(workspace, file);
  if (!lineage.compilation->ok()) {
    summary.error = fmt::format("{} does not compile now: run `weir check {}`", summary.program, file);
    return summary;
  }
  runtime::SourceHashes hashes(project.root(), project.fileHashesFile());
  summary.programChangedSince = hashes.hashOf(program).value_or("") != record->programHash;

  // The run's records of each declaration: its result node's record first (same kind), else
  // its first record (a source's scan, a sink, an expectation).
  std::vector<runtime::RecordedNode> records = db->runNodes(record->id);
  std::map<std::string, std::size_t> index;
  for (const auto& [name, declaration] : lineage.declarations) {
    (void)declaration;
    index.emplace(name, index.size());
  }
  summary.nodes.resize(lineage.declarations.size());
  for (const auto& [name, declaration] : lineage.declarations) {
    SummaryNode& node = summary.nodes[index.at(name)];
    node.name = name;
    node.kind = declaration.kind;
    node.where = declaration.where;
    for (const std::string& upstream : declaration.upstream) {
      if (auto it = index.find(upstream); it != index.end()) node.inputs.push_back(it->second);
    }
    const runtime::RecordedNode* chosen = nullptr;
    for (const runtime::RecordedNode& recorded : records) {
      if (recorded.declaration != name) continue;
      if (chosen == nullptr || (recorded.kind == declaration.kind && chosen->kind != declaration.kind)) chosen = &recorded;
    }
    if (chosen != nullptr) {
      node.status = chosen->status;
      node.rowsIn = chosen->rowsIn;
      node.rowsOut = chosen->rowsOut;
      node.seconds = chosen->seconds;
      node.startedMs = chosen->startedMs;
      node.endedMs = chosen->endedMs;
      node.message = chosen->message;
    }
    for (const auto& [column, origins] : declaration.columns) summary.lineage.push_back({name, column, origins});
  }
  for (auto& [name, decision] : db->runGates(record->id)) summary.gates.push_back({name, std::move(decision)});
  summary.rules = db->runRules(record->id);
  summary.metrics = db->runMetrics(record->id);
  return summary;
}

}  // namespace weir::engine
