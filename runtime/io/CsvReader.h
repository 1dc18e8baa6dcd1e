#pragma once

#include "io/CsvTokenizer.h"
#include "table/Table.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::runtime {

// What a source does with a record it cannot read (`on_error` in the language).
enum class OnError { Fail, Skip, Quarantine };

struct CsvOptions {
  char delimiter = ',';
  OnError onError = OnError::Fail;
};

// A problem with the data, where it is: `line:column`, the column's name when there is one.
struct DataError {
  CsvPosition at;
  std::string column;
  std::string message;
};

struct CsvResult {
  Table table;
  std::optional<DataError> error;       // set when reading stopped (the table is then incomplete)
  std::size_t skipped = 0;              // records dropped by `skip`
  std::vector<DataError> quarantined;   // records set aside by `quarantine`, with why
};

// Reads CSV text with a header row into a table of the declared columns. The header is matched
// by name (order does not matter); a declared column missing from the header, or a header column
// not declared, stops the read. Each field is parsed as its column's type; an empty field is
// null in a nullable column and an error in another (a quoted `""` in a string column is the
// empty string). A record with a bad value or the wrong
// number of fields is an error (`fail`), dropped and counted (`skip`), or dropped and reported
// (`quarantine`). Malformed CSV (an unterminated quote) always stops the read.
CsvResult readCsv(std::string_view text, const std::vector<ColumnSpec>& schema, const CsvOptions& options = {});

}  // namespace weir::runtime
