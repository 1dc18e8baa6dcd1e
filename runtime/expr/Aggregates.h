#pragma once

// Aggregate functions (LANGUAGE.md sections 5, 6 and 8): count, count_distinct, sum, mean, std,
// var, median, quantile, min, max, first, last, and the data rules all, any, fraction. Nulls
// are ignored; `std` and `var` are sample statistics; `median` and `quantile` interpolate
// linearly. A reducer takes its input a batch of rows at a time, in row order, so results do not
// depend on threads, and memory on the batch size only.

#include "catalog/Builtin.h"
#include "expr/Expression.h"

#include <memory>
#include <string>
#include <vector>

namespace weir::runtime {

// The kind of an aggregate's result for an argument of kind `input`, by its catalog entry.
ColumnSpec aggregateResult(catalog::BuiltinId id, const ColumnSpec& input);

class Reducer {
 public:
  // `id`: an aggregate (catalog::isAggregateCall). `groups`: how many groups (1 for a whole
  // table). `q`: quantile's fraction.
  Reducer(catalog::BuiltinId id, std::size_t groups, double q = 0.5);
  ~Reducer();

  // More groups (a streaming aggregation meets new keys as it goes).
  void grow(std::size_t groups);
  // The argument's values for rows [first, first + rows) of the input (`argument` null for
  // `count()`); `groupOf` maps input rows to groups (null: one group).
  void add(const Vector* argument, std::size_t first, std::size_t rows, const std::vector<std::uint32_t>* groupOf);
  // The result: one value per group, or a scalar.
  Vector finish(bool scalar);

 private:
  struct State;
  // What state the aggregate keeps.
  enum class Family { Count, Distinct, Rule, Moments, Sorted, Pick };
  static Family familyOf(catalog::BuiltinId id);
  catalog::BuiltinId id_;
  Family family_;
  std::size_t groups_;
  double q_;
  std::unique_ptr<State> state_;
};

}  // namespace weir::runtime
