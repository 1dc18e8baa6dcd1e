#pragma once

#include "table/Table.h"

#include <functional>
#include <string>
#include <string_view>

namespace weir::runtime {

// A table as CSV text: a header row (unless `header` is false), then one record per row, LF line ends. Deterministic: floats
// in their shortest form that reads back exactly, dates `YYYY-MM-DD`, timestamps
// `YYYY-MM-DDTHH:MM:SS[.f]Z` (fractions without trailing zeros), booleans `true`/`false`, nulls as empty fields; a field is
// quoted when it holds the delimiter, a quote or a line break (quotes doubled), and an empty
// string is written `""` (an unquoted empty field is null).
std::string writeCsv(const Table& table, char delimiter = ',', bool header = true);

// The same text handed to `consume` a piece at a time, in order: the header, then the rows a
// morsel (table/Morsels.h) at a time. Morsels are formatted in parallel on the current arena's
// threads, at most a few ahead of the one being consumed, so the text is never all in memory;
// the pieces are the same, byte for byte, for any number of threads. `consume` is called from
// one thread at a time; an exception it throws ends the writing and is rethrown.
void writeCsvPieces(const Table& table, char delimiter, bool header, const std::function<void(std::string_view)>& consume);

// Inverse of daysFromCivil: the `YYYY-MM-DD` of a day count.
std::string formatDate(std::int64_t days);
std::string formatTimestamp(std::int64_t micros);

}  // namespace weir::runtime
