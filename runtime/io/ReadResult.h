#pragma once

// What a reader of a data file (CSV, JSON Lines) gives back: the table, and what went wrong.

#include "io/CsvTokenizer.h"
#include "table/Table.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

// What a source does with a record it cannot read (`on_error` in the language).
enum class OnError { Fail, Skip, Quarantine };

// A problem with the data, where it is: `line:column` (code points), the column's name when
// there is one, and the record as written (for quarantine files).
struct DataError {
  CsvPosition at;
  std::string column;
  std::string message;
  std::string record = {};
};

struct ReadResult {
  Table table;
  std::size_t records = 0;              // good records read (before any piece filter)
  std::optional<DataError> error;       // set when reading stopped (the table is then incomplete)
  std::size_t skipped = 0;              // records dropped by `skip`
  std::vector<DataError> quarantined;   // records set aside by `quarantine`, with why
  std::vector<std::uint32_t> rowLines;  // per kept row, its line (when asked for)
  std::vector<std::string> ignoredColumns;  // columns of the file the schema does not declare, as shown
  // The most records the read held at once before they were filtered or handed on: the records
  // of the pieces in flight when each piece is filtered as it is read (CsvOptions::eachPiece) or
  // streamed (CsvOptions::inOrder); every record when the table is read whole. A read that
  // streams keeps this a few pieces' worth whatever the file's size (tested).
  std::size_t heldRows = 0;
};

// Sets up `table` with the declared columns a reader keeps (`only`; empty: all) and returns, per
// declared column, where its values go (null: checked, not kept). Every declared column is
// checked, so a source's rows do not depend on what reads them.
inline std::vector<Column*> storedColumns(Table& table, const std::vector<ColumnSpec>& declared,
                                          const std::vector<std::string>& only) {
  for (const ColumnSpec& spec : declared) {
    if (only.empty() || std::find(only.begin(), only.end(), spec.name) != only.end()) table.columns.emplace_back(spec);
  }
  std::vector<Column*> columnOf;
  for (const ColumnSpec& spec : declared) {
    int stored = table.indexOf(spec.name);
    columnOf.push_back(stored >= 0 ? &table.columns[static_cast<std::size_t>(stored)] : nullptr);
  }
  return columnOf;
}

}  // namespace weir::runtime
