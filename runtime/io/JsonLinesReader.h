#pragma once

// JSON Lines (one JSON object per line) into a table of declared columns, with the CSV
// reader's rules: keys matched by name, a declared key missing or `null` is null where the
// column is nullable and an error elsewhere, a key not declared is an error, values typed by
// column (dates and timestamps as ISO 8601 strings), `on_error` as for CSV. Blank lines are
// skipped.

#include "io/ReadResult.h"

#include <string_view>
#include <vector>

namespace weir::runtime {

struct JsonLinesOptions {
  OnError onError = OnError::Fail;
  std::vector<std::string> only;  // as CsvOptions::only
};

ReadResult readJsonLines(std::string_view text, const std::vector<ColumnSpec>& schema, const JsonLinesOptions& options = {});

}  // namespace weir::runtime
