#pragma once

// Aggregate functions (LANGUAGE.md sections 5, 6 and 8): count, count_distinct, sum, mean, std,
// var, median, quantile, min, max, first, last, and the data rules all, any, fraction. Nulls
// are ignored; `std` and `var` are sample statistics; `median` and `quantile` interpolate
// linearly. Every reduction runs in row order, so its result does not depend on threads.

#include "expr/Expression.h"

#include <string>
#include <vector>

namespace weir::runtime {

bool isAggregateFunction(const std::string& name, std::size_t arguments);

// The kind of an aggregate's result for an argument of kind `input`.
ColumnSpec aggregateResult(const std::string& name, const ColumnSpec& input);

// Reduces `arguments` (evaluated over `rows` input rows) to one value, or to one per group.
Vector reduce(const std::string& name, const std::vector<Vector>& arguments, std::size_t rows, const Grouping* grouping);

}  // namespace weir::runtime
