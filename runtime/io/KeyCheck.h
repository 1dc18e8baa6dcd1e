#pragma once

// `@key` columns of a source: unique and never null. A row whose key is null, or repeats the
// key of an earlier row, is a bad row of the source (the readers' `on_error` applies).

#include "table/Table.h"

#include <string>
#include <vector>

namespace weir::runtime {

struct KeyViolation {
  std::size_t row = 0;
  std::size_t firstRow = 0;  // the earlier row with the same key (a duplicate); `row` for a null key
  bool null = false;
};

// The violations among the rows of `table`, keyed by its columns `keyColumns`, in row order.
std::vector<KeyViolation> findKeyViolations(const Table& table, const std::vector<std::size_t>& keyColumns);

// `id = 7`, or `(a, b) = (1, "x")`, for messages.
std::string keyText(const Table& table, const std::vector<std::size_t>& keyColumns, std::size_t row);

}  // namespace weir::runtime
