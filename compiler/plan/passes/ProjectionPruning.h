#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// projection-pruning: works out, from the outputs back to the scans, which columns each node must
// produce, so a scan reads only the columns something downstream uses (plus those its predicate
// reads), every node's schema lists only what flows on, and a `derive` drops the assignments
// nothing reads. Sinks, steps, expectations, transforms and renames need every column they get;
// a requested target (`--target`), a node nothing reads, and a step (its outcome, cached under
// one key, is its program's whole output) keep all their columns. Needs: a
// verified plan, after dead-node elimination.
// Guarantees: the same results for every output and declaration.
class ProjectionPruning : public Pass {
 public:
  explicit ProjectionPruning(std::vector<std::string> targets) : targets_(std::move(targets)) {}
  const char* name() const override { return "projection-pruning"; }
  const char* summary() const override { return "read and carry only the columns that are used"; }
  bool run(Plan& plan) override;

 private:
  std::vector<std::string> targets_;
};

}  // namespace weir::plan
