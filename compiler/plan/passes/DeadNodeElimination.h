#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// dead-node-elimination: keeps only the nodes the targets need (the targets and everything they
// read, transitively). Without targets, the targets are every output: sinks, deploys, gates,
// expectations, evaluations, trainings and steps. The expectations on a kept table are kept too (they run whenever it is produced). Needs: a verified plan. Guarantees: the kept
// nodes in their original order, inputs remapped, declaration labels kept for kept nodes.
class DeadNodeElimination : public Pass {
 public:
  explicit DeadNodeElimination(std::vector<std::string> targets) : targets_(std::move(targets)) {}
  const char* name() const override { return "dead-node-elimination"; }
  const char* summary() const override { return "keep only what the requested targets need"; }
  bool run(Plan& plan) override;

 private:
  std::vector<std::string> targets_;
};

}  // namespace weir::plan
