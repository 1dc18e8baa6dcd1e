#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// inlining: a call of a `transform` is replaced by its body, lowered for that call (table
// parameters read the arguments' nodes, column parameters are renamed to the columns passed,
// value parameters replaced by the arguments), so the other passes see into it; a call inside
// another transform's body stays a `transform` node. A call of an `fn` in a filter or derive
// expression is replaced by the function's body with its parameters bound to the arguments
// (rules, in expectations, stay calls). Needs: a plan from lowering. Guarantees: the same results.
class Inlining : public Pass {
 public:
  const char* name() const override { return "inlining"; }
  const char* summary() const override { return "replace transform and fn calls by their bodies"; }
  bool run(Plan& plan) override;
  // The runtime runs neither transform calls nor user functions: it runs their bodies.
  bool requiredToRun() const override { return true; }
};

// A copy of `expr` with every call of one of `functions` (fns, and rules with their implicit
// table parameter left out) replaced by its body: how the runtime reads expectations, fills and
// aggregates, which the pass leaves as written.
std::shared_ptr<const ast::Expr> inlineFunctions(const ast::Expr& expr,
                                                 const std::map<std::string, std::shared_ptr<const Node::Function>>& functions);

}  // namespace weir::plan
