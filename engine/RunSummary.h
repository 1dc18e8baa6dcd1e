#pragma once

// One recorded run as a whole, for its report (`weir report`): what ran and how (each node's
// status, rows, times), the plan's shape, expectation results, metrics, gate decisions and the
// column lineage of the program. Read from the lineage database and a compilation of the
// program; nothing runs.

#include "engine/Workspace.h"
#include "store/LineageDb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace weir::engine {

struct SummaryNode {
  std::string name;  // its declaration (a scan names its source)
  std::string kind;
  std::string where;
  std::vector<std::size_t> inputs;  // indexes into RunSummary::nodes
  // What the run recorded for it (status empty: the run has no record of it, e.g. the program
  // changed since, or the run stopped before it).
  std::string status;
  std::size_t rowsIn = 0, rowsOut = 0;
  double seconds = 0;
  std::int64_t startedMs = 0, endedMs = 0;  // 0: did not compute, or not recorded
  std::string message;
};

struct SummaryGate {
  std::string name;
  runtime::RecordedGate decision;
};

struct SummaryColumn {
  std::string declaration, column;
  std::vector<std::string> origins;  // source columns, `SOURCE.COLUMN`
};

struct RunSummary {
  std::string error;  // no database, no such run, the program does not compile
  std::string root;
  std::string program;  // as people should see it
  runtime::RunRecord run;
  // The plan is the program's as it is now: when its text changed since the run, the nodes
  // the run recorded are matched by declaration and kind, and this says so.
  bool programChangedSince = false;
  std::vector<SummaryNode> nodes;  // in dependency order
  std::vector<runtime::RecordedRule> rules;
  std::vector<runtime::RunMetric> metrics;
  std::vector<SummaryGate> gates;
  std::vector<SummaryColumn> lineage;
};

// Run `run` of the program `file` (nullopt: its last run).
RunSummary summarizeRun(Workspace& workspace, const std::string& file, std::optional<std::int64_t> run);

}  // namespace weir::engine
