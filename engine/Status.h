#pragma once

// What a run would do and why, without running anything (`weir status`, the language server's
// code lenses, `watch` deciding whether to run).

#include "engine/Project.h"
#include "engine/RemoteExecution.h"
#include "engine/Workspace.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::engine {

struct StaleDeclaration {
  std::string name;
  std::string kind;   // of its node
  std::string where;  // "line N" (or "path:line" outside the root file)
  std::string why;    // a change of its own, or "depends on `X`: " and the change there
  // The change as a stable code, for machines: source-changed, source-never-read,
  // source-unreadable, command-file-changed, definition-changed, never-ran, cache-damaged,
  // cache-missing, output-changed, output-missing (docs/OPERATIONS-GUIDE.md).
  std::string reason;
  std::string causedBy;  // the declaration where it happened (this one, or one it depends on)
};

struct ProgramStatus {
  std::shared_ptr<const Compilation> compilation;  // when it is not ok, nothing else is set
  std::vector<StaleDeclaration> wouldRun;          // in dependency order
  std::vector<std::string> gates;    // gates and deploys: evaluated on every run, whatever changed
  std::vector<std::string> waiting;  // nodes this version does not run, and what needs them
  std::vector<std::string> warnings;  // the lineage database could not be read
  // Cluster jobs submitted for the program and not yet followed by a run (`weir run --detach`),
  // with their states now: what `wouldRun` lists among their nodes is being computed there.
  std::vector<SubmittedRun> submitted;
};

ProgramStatus programStatus(Workspace& workspace, const std::string& file, const std::vector<std::string>& targets);

}  // namespace weir::engine
