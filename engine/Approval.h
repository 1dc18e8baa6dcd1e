#pragma once

// `weir approve`: records that a team approved the version of a gate's model that the last run
// trained (or gated), so that the gate's `approved_by("team")` holds for that version (and only
// that one: a retrained model is a new version). See docs/RUNTIME.md, "Gates".

#include "engine/Workspace.h"
#include "store/LineageDb.h"

#include <memory>
#include <string>

namespace weir::engine {

struct ApproveRequest {
  std::string file;  // the program
  std::string gate;
  std::string team;  // `--as`
  std::string by;    // `--by` (empty: the user running weir)
  std::string note;
};

struct ApproveResult {
  std::shared_ptr<const Compilation> compilation;  // when it is not ok, nothing else is set
  // Why nothing was recorded (no such gate, no approval by that team in it, no version trained
  // yet, the database could not be written); empty when the approval was recorded.
  std::string error;
  runtime::Approval approval;  // what was recorded (its time included)
};

ApproveResult approveGate(Workspace& workspace, const ApproveRequest& request);

}  // namespace weir::engine
