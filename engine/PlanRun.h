#pragma once

// How the engine's entry points (a run, status, verify) set the runtime up for a project: one
// place, so they agree on where data may be, where rejected records go, and what cancels.

#include "engine/Cancellation.h"
#include "engine/Project.h"
#include "exec/Executor.h"

#include <string>
#include <vector>

namespace weir::engine {

inline runtime::RunOptions runOptionsFor(const Project& project, const std::vector<std::string>& targets, unsigned jobs,
                                         const Cancellation* cancel) {
  runtime::RunOptions options;
  options.targets = targets;
  options.jobs = jobs;
  options.files.projectRoot = project.root();
  options.files.quarantineFolder = project.quarantineFolder();
  options.files.scratchFolder = project.scratchFolder();
  options.files.logsFolder = project.logsFolder();
  options.files.stateBase = project.root();
  options.cancelled = cancel != nullptr ? cancel->flag() : nullptr;
  return options;
}

}  // namespace weir::engine
