#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// constant-folding: evaluates what does not depend on data in filter and derive expressions
// (`1 + 2`, `2 * 0.5 > 1`, `not false`, `x and true`, `if true then a else b`, and a built-in
// that gives null for a `null` argument by its catalog entry: `pow(x, null)`), and removes a
// filter whose condition folds to `true`. Needs: a verified plan. Guarantees: the same results;
// division by a zero literal folds to `null`, as at run time; integer overflow is left alone.
class ConstantFolding : public Pass {
 public:
  const char* name() const override { return "constant-folding"; }
  const char* summary() const override { return "evaluate what does not depend on data"; }
  bool run(Plan& plan) override;
};

}  // namespace weir::plan
