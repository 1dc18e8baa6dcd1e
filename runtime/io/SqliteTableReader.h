#pragma once

// A table of a SQLite database as a source (`sqlite("file.db", table = "t")`). The database is
// opened read-only and the one statement run is a SELECT of the declared columns from the named
// table (identifiers quoted); an authorizer refuses anything else. SQLite stays inside this
// class's file.

#include "io/ReadResult.h"
#include "io/TextValues.h"

#include <string>
#include <vector>

struct sqlite3;

namespace weir::runtime {

struct SqliteReadOptions {
  std::string table;
  OnError onError = OnError::Fail;
  std::vector<std::string> only;  // as CsvOptions::only
  bool strict = false;            // a column of the table the schema does not declare is an error
  TextRules rules;                // for text values
  bool rowLines = false;          // as CsvOptions::rowLines (the row's number)
};

// Values are typed by the declared schema: NULL is null (an error where the column is not
// nullable); INTEGER fits int, float and bool (0 or 1); REAL fits float, and int when whole;
// TEXT is read as a CSV field is (dates, timestamps, categories, numbers written as text); a
// BLOB fits nothing. A value that does not fit is a bad row, under `on_error`. Positions are
// row numbers (`line`) and the column's position in the schema (`column`).
class SqliteTableReader {
 public:
  SqliteTableReader() = default;
  ~SqliteTableReader();
  SqliteTableReader(const SqliteTableReader&) = delete;
  SqliteTableReader& operator=(const SqliteTableReader&) = delete;

  // Empty when the file opened as a database; otherwise why not.
  std::string open(const std::string& path);
  ReadResult read(const std::vector<ColumnSpec>& declared, const SqliteReadOptions& options);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace weir::runtime
