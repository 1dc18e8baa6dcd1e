#include "io/KeyCheck.h"

#include "io/CsvWriter.h"
#include "table/RowKeys.h"

#include <fmt/format.h>

namespace weir::runtime {

std::vector<KeyViolation> findKeyViolations(const Table& table, const std::vector<std::size_t>& keyColumns) {
  std::vector<KeyViolation> out;
  if (keyColumns.empty() || table.rows() == 0) return out;
  const std::size_t rows = table.rows();
  bool anyNull = false;
  for (std::size_t c : keyColumns) anyNull = anyNull || table.columns[c].hasNulls();
  // Keys written in increasing order (the common case: ids) are unique without hashing.
  if (!anyNull && keyColumns.size() == 1 && storesInts(table.columns[keyColumns[0]].kind())) {
    const std::vector<std::int64_t>& values = table.columns[keyColumns[0]].ints();
    bool increasing = true;
    for (std::size_t row = 1; row < rows && increasing; ++row) increasing = values[row - 1] < values[row];
    if (increasing) return out;
  }
  KeyGroups groups = groupByColumns(table, keyColumns);
  for (std::size_t row = 0; row < rows; ++row) {
    bool null = false;
    for (std::size_t c : keyColumns) null = null || table.columns[c].isNull(row);
    if (null) {
      out.push_back(KeyViolation{row, row, true});
      continue;
    }
    std::size_t first = groups.firstRow[groups.groupOf[row]];
    if (first != row) out.push_back(KeyViolation{row, first, false});
  }
  return out;
}

std::string keyText(const Table& table, const std::vector<std::size_t>& keyColumns, std::size_t row) {
  std::string names, values;
  for (std::size_t i = 0; i < keyColumns.size(); ++i) {
    const Column& column = table.columns[keyColumns[i]];
    std::string value;
    if (column.isNull(row)) value = "null";
    else if (column.kind() == ColumnKind::Float) value = fmt::format("{}", column.floatAt(row));
    else if (column.kind() == ColumnKind::Bool) value = column.intAt(row) != 0 ? "true" : "false";
    else if (column.kind() == ColumnKind::Date) value = formatDate(column.intAt(row));
    else if (column.kind() == ColumnKind::Timestamp) value = formatTimestamp(column.intAt(row));
    else if (storesCodes(column.kind())) value = fmt::format("\"{}\"", column.stringAt(row));
    else value = std::to_string(column.intAt(row));
    names += (i > 0 ? ", " : "") + column.spec().name;
    values += (i > 0 ? ", " : "") + value;
  }
  if (keyColumns.size() == 1) return "`" + names + " = " + values + "`";
  return "`(" + names + ") = (" + values + ")`";
}

}  // namespace weir::runtime
