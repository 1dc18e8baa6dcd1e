#pragma once

// What a change to a program does to its plan, for a pull request's review: which declarations
// it adds, removes, or makes run again, and why. Programs are compared as written (the plan's
// fingerprints), not against the project's cache: data that changed is `weir status`'s business.

#include "engine/Workspace.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::engine {

struct PlanChange {
  enum class Kind { Added, Removed, ReRun };
  Kind kind = Kind::ReRun;
  std::string name;
  std::string nodeKind;  // source, transform, train, sink, expect, gate, ...
  std::string where;     // in the new program (the old one for a removed declaration)
  // Why it re-runs, as a stable code (`definition-changed`, `upstream-changed`) and in words.
  std::string reason;
  std::string causedBy;  // the declaration whose change it is (itself, or one it reads)
  std::string why;
};

struct PlanDiff {
  // Both compiled; when either is not ok, nothing else is set.
  std::shared_ptr<const Compilation> before, after;
  std::vector<PlanChange> changes;  // added and re-run in the new plan's dependency order, then removed
  std::size_t unchanged = 0;
};

PlanDiff diffPrograms(Workspace& workspace, const std::string& oldFile, const std::string& newFile,
                      const std::vector<std::string>& targets);

const char* planChangeKindName(PlanChange::Kind kind);

}  // namespace weir::engine
