#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// common-subplan-elimination: nodes with the same fingerprint compute the same result (same
// kind, canonical content and inputs, transitively), so all but the first are removed and their
// consumers read the first. Needs: current fingerprints. Guarantees: no two nodes share a
// fingerprint; every declaration still names a node computing its result; the node kept declares
// every column of the nodes it replaces (equal fingerprints with different schemas are only
// possible for operators that pass their input's columns through, which pruning narrowed per
// consumer).
class CommonSubplanElimination : public Pass {
 public:
  const char* name() const override { return "common-subplan-elimination"; }
  const char* summary() const override { return "compute identical sub-plans once"; }
  bool run(Plan& plan) override;
  bool needsFingerprints() const override { return true; }
};

}  // namespace weir::plan
