#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// aggregate-hoisting: whole-table aggregates inside row expressions (`(income - mean(income)) /
// std(income)`) are computed once, by an `aggregate` node over the same input with no keys (one
// row of scalars), which the filter or derive reads as its second input; in the expression each
// becomes a name (`__agg0`). Equal aggregates are computed once. Needs: a verified plan.
// Guarantees: the same results; a row operator no longer needs a pass over the whole table inside
// its row loop.
class AggregateHoisting : public Pass {
 public:
  const char* name() const override { return "aggregate-hoisting"; }
  const char* summary() const override { return "compute whole-table aggregates once, in their own node"; }
  bool run(Plan& plan) override;
};

}  // namespace weir::plan
