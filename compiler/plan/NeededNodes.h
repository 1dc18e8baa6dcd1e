#pragma once

// What computing some nodes takes: one rule for the optimizer (dead-node elimination) and the
// executor (what a run with `--target` runs), so that what is planned is what runs.

#include "plan/Plan.h"

#include <vector>

namespace weir::plan {

// Every node `roots` need: their inputs, transitively, and the expectations that guard what
// they read (those on a table they read, and those on a source any scan they read reads: a
// filter pushed into a scan of its own still reads the source), with those expectations' inputs.
std::vector<bool> nodesNeededBy(const Plan& plan, const std::vector<NodeId>& roots);

}  // namespace weir::plan
