#pragma once

// A table's rows as CSV records, a range of rows at a time: writeCsv's records (CsvWriter.h)
// without the header, the same bytes however the rows are cut into ranges. For a writer that
// formats a piece of a stream in parallel itself (a sink's piece is often under one morsel).

#include "table/Table.h"

#include <cstddef>
#include <string>

namespace weir::runtime {

std::string formatCsvRows(const Table& table, char delimiter, std::size_t begin, std::size_t end);

}  // namespace weir::runtime
