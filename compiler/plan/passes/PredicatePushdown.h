#pragma once

#include "plan/PassManager.h"

namespace weir::plan {

// predicate-pushdown: moves filters toward the data, so fewer rows flow through the plan.
// A filter moves below a `derive` that does not compute what it reads, below a `sort`, into the
// side of a join its conditions read (either side of an inner join; only the left side of a left
// join, whose right side is null-extended), and into a scan. It never moves below a `take`, a
// `sample`, an aggregate, a `distinct` or a `union`, and never changes what a declaration other
// than the filter's own computes (a node that is a declaration's result, or that something else
// reads, stays as it is). A chain of filters joins a scan at once, and the conditions it gathers
// are `and`ed as a balanced tree: time linear in the chain's length, depth logarithmic in it.
// Needs: a verified plan. Guarantees: the same results. Repeats until nothing moves.
class PredicatePushdown : public Pass {
 public:
  const char* name() const override { return "predicate-pushdown"; }
  const char* summary() const override { return "move filters toward the data"; }
  bool run(Plan& plan) override;
};

}  // namespace weir::plan
