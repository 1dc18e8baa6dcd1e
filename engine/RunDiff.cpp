#include "engine/RunDiff.h"

#include "store/LineageDb.h"

#include <cmath>
#include <map>

namespace weir::engine {

namespace {

// Puts the items of both runs side by side, by (kind, name), in the order first seen.
void sideBySide(std::vector<DiffedItem>& out, const std::vector<DiffedItem>& a, const std::vector<DiffedItem>& b) {
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (bool isA : {true, false}) {
    for (const DiffedItem& item : isA ? a : b) {
      auto [it, added] = index.emplace(std::make_pair(item.kind, item.name), out.size());
      if (added) out.push_back({item.kind, item.name, std::nullopt, std::nullopt});
      (isA ? out[it->second].a : out[it->second].b) = isA ? item.a : item.b;
    }
  }
}

}  // namespace

bool RunDiff::differs() const {
  for (const DiffedItem& item : declarations) {
    if (item.differs()) return true;
  }
  for (const DiffedItem& item : outputs) {
    if (item.differs()) return true;
  }
  for (const ComparedMetric& metric : comparison.metrics) {
    bool bothNan = metric.a && metric.b && std::isnan(*metric.a) && std::isnan(*metric.b);
    if (metric.a != metric.b && !bothNan) return true;
  }
  for (const ComparedParameter& parameter : comparison.parameters) {
    if (parameter.a != parameter.b) return true;
  }
  for (const ComparedFile& file : comparison.data) {
    if (file.a != file.b) return true;
  }
  for (const ComparedFile& file : comparison.code) {
    if (file.a != file.b) return true;
  }
  return false;
}

RunDiff diffRuns(const std::string& path, std::int64_t a, std::int64_t b) {
  RunDiff diff;
  diff.comparison = compareRuns(path, a, b);
  if (!diff.comparison.error.empty()) return diff;
  std::optional<Project> project = Project::ofExistingPath(path, diff.comparison.error);
  std::unique_ptr<runtime::LineageDb> db = project ? openRecordedDatabase(*project, diff.comparison.error) : nullptr;
  if (!db) return diff;
  auto itemsOf = [&](std::int64_t run, std::vector<DiffedItem>& declarations, std::vector<DiffedItem>& outputs) {
    for (const runtime::RecordedNode& node : db->runNodes(run)) {
      if (node.declaration.empty() || node.fingerprint.empty()) continue;
      declarations.push_back({node.kind, node.declaration, node.fingerprint, node.fingerprint});
    }
    for (const runtime::RunSnapshot& snapshot : db->runSnapshots(run)) {
      if (snapshot.role != "output" && snapshot.role != "model") continue;
      std::string name = snapshot.role == "model" ? snapshot.path : project->shown(snapshot.path);
      outputs.push_back({snapshot.role, name, snapshot.hash, snapshot.hash});
    }
  };
  std::vector<DiffedItem> declA, declB, outA, outB;
  itemsOf(a, declA, outA);
  itemsOf(b, declB, outB);
  sideBySide(diff.declarations, declA, declB);
  sideBySide(diff.outputs, outA, outB);
  return diff;
}

}  // namespace weir::engine
