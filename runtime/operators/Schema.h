#pragma once

// The compiler's table types as the runtime's column layouts.

#include "sema/Type.h"
#include "table/Table.h"

#include <vector>

namespace weir::runtime {

ColumnSpec columnSpec(const sema::ColumnType& column);
std::vector<ColumnSpec> columnSpecs(const sema::TableType& table);
std::vector<ColumnSpec> specsOf(const Table& table);

// `table`'s columns in the order `specs` names them (converted to their kinds where they
// differ: an int column where a float is expected).
Table arrange(const Table& table, const std::vector<ColumnSpec>& specs);

}  // namespace weir::runtime
