#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// row-operator-fusion: a chain of row-wise operators (`filter`, `derive`, `select`, `drop`) where
// each but the last is read by the next alone becomes one `kernel` node that makes a single pass
// over the rows (the runtime compiles it into one loop). A requested target stays a node of its
// own, so its result is still there. Needs: a verified plan. Guarantees: the same results.
class RowOperatorFusion : public Pass {
 public:
  explicit RowOperatorFusion(std::vector<std::string> targets) : targets_(std::move(targets)) {}
  const char* name() const override { return "row-operator-fusion"; }
  const char* summary() const override { return "fuse consecutive row operators into one kernel"; }
  bool run(Plan& plan) override;

 private:
  std::vector<std::string> targets_;
};

}  // namespace weir::plan
