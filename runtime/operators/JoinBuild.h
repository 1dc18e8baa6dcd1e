#pragma once

// A join's right side prepared once (grouped, each group's rows chained, its keys indexed) and
// its left side probed a piece at a time: a scan streaming through the join (Executor.cpp,
// `streamed`). The pieces' results, in order, are `join` (Operators.h) of the whole left side.

#include "plan/Plan.h"
#include "table/Table.h"

#include <memory>

namespace weir::runtime {

class JoinBuild {
 public:
  // `right` must outlive it. Throws OperatorError when a key column is missing.
  JoinBuild(const plan::Node& node, const Table& right);
  ~JoinBuild();
  // Several threads may probe at once (each piece is also probed in parallel, morsel by morsel).
  Table probe(const Table& left) const;
  // The same, taking the left piece's columns where they pass through unchanged (every left row
  // joined to one right row, in order) rather than copying them.
  Table probe(Table&& left) const;

 private:
  Table probe(const Table& left, Table* owned) const;

  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace weir::runtime
