#pragma once

// JSON Lines (one JSON object per line) into a table of declared columns, with the CSV
// reader's rules: keys matched by name, a declared key missing or `null` (or a string that is a
// null token) is null where the column is nullable and an error elsewhere, a key not declared is
// ignored (an error with `strict`), every declared column checked whether stored or not, values typed by
// column (dates and timestamps as ISO 8601 strings), `on_error` as for CSV. Blank lines are
// skipped.

#include "io/ReadResult.h"

#include <string_view>
#include <vector>

namespace weir::runtime {

struct JsonLinesOptions {
  OnError onError = OnError::Fail;
  std::vector<std::string> only;  // as CsvOptions::only
  bool strict = false;            // as CsvOptions::strict
  std::vector<std::string> nullTokens;  // strings that mean null
  bool rowLines = false;          // as CsvOptions::rowLines
};

ReadResult readJsonLines(std::string_view text, const std::vector<ColumnSpec>& schema, const JsonLinesOptions& options = {});

}  // namespace weir::runtime
