#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// inlining: a call of a `transform` is replaced by its body, lowered for that call (table
// parameters read the arguments' nodes, column parameters are renamed to the columns passed,
// value parameters replaced by the arguments), so the other passes see into it. A call inside
// another transform's body stays a `transform` node. Calls of `fn`s and rules inside expressions
// are not inlined yet: their bodies are part of the calling node's definition. Needs: a plan from
// lowering. Guarantees: the same results.
class Inlining : public Pass {
 public:
  const char* name() const override { return "inlining"; }
  const char* summary() const override { return "replace transform calls by their bodies"; }
  bool run(Plan& plan) override;
};

}  // namespace weir::plan
