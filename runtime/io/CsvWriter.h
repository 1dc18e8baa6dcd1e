#pragma once

#include "table/Table.h"

#include <string>

namespace weir::runtime {

// A table as CSV text: a header row (unless `header` is false), then one record per row, LF line ends. Deterministic: floats
// in their shortest form that reads back exactly, dates `YYYY-MM-DD`, timestamps
// `YYYY-MM-DDTHH:MM:SS[.f]Z` (fractions without trailing zeros), booleans `true`/`false`, nulls as empty fields; a field is
// quoted when it holds the delimiter, a quote or a line break (quotes doubled), and an empty
// string is written `""` (an unquoted empty field is null).
std::string writeCsv(const Table& table, char delimiter = ',', bool header = true);

// Inverse of daysFromCivil: the `YYYY-MM-DD` of a day count.
std::string formatDate(std::int64_t days);
std::string formatTimestamp(std::int64_t micros);

}  // namespace weir::runtime
