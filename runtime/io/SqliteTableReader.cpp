#include "io/SqliteTableReader.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sys/stat.h>

namespace weir::runtime {

namespace {

std::string quoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Reading only: the SELECT itself and the columns it reads.
int onlyReads(void*, int action, const char*, const char*, const char*, const char*) {
  return action == SQLITE_SELECT || action == SQLITE_READ ? SQLITE_OK : SQLITE_DENY;
}

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

std::string valueText(sqlite3_stmt* stmt, int c) {
  switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL: return "";
    case SQLITE_BLOB: return "<blob>";
    default: {
      const unsigned char* text = sqlite3_column_text(stmt, c);
      return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
    }
  }
}

// The row as a CSV record (for quarantine files).
std::string recordText(sqlite3_stmt* stmt, int columns) {
  std::string out;
  for (int c = 0; c < columns; ++c) {
    if (c > 0) out += ',';
    std::string text = valueText(stmt, c);
    bool quote = text.find_first_of(",\"\n\r") != std::string::npos;
    if (!quote) {
      out += text;
      continue;
    }
    out += '"';
    for (char ch : text) {
      if (ch == '"') out += '"';
      out += ch;
    }
    out += '"';
  }
  return out;
}

template <bool kStore>
std::optional<std::string> convert(Column* column, const ColumnSpec& spec, sqlite3_stmt* stmt, int c, const TextRules& rules) {
  auto expected = [&](const std::string& found) { return "expected " + std::string(columnKindName(spec.kind)) + ", found " + found; };
  switch (sqlite3_column_type(stmt, c)) {
    case SQLITE_NULL:
      if (!spec.nullable) return std::string("null value in a column that cannot be null");
      if constexpr (kStore) column->appendNull();
      return std::nullopt;
    case SQLITE_INTEGER: {
      sqlite3_int64 v = sqlite3_column_int64(stmt, c);
      if (spec.kind == ColumnKind::Int || (spec.kind == ColumnKind::Bool && (v == 0 || v == 1))) {
        if constexpr (kStore) column->appendInt(v);
        return std::nullopt;
      }
      if (spec.kind == ColumnKind::Float) {
        if constexpr (kStore) column->appendFloat(static_cast<double>(v));
        return std::nullopt;
      }
      return expected("the integer `" + std::to_string(v) + "`");
    }
    case SQLITE_FLOAT: {
      double v = sqlite3_column_double(stmt, c);
      // SQLite stores reals beyond a float's range as infinities; data files never hold them.
      if (spec.kind == ColumnKind::Float && !std::isfinite(v)) return expected("the real `" + valueText(stmt, c) + "`, beyond a float's range");
      if (spec.kind == ColumnKind::Float) {
        if constexpr (kStore) column->appendFloat(v);
        return std::nullopt;
      }
      if (spec.kind == ColumnKind::Int && std::trunc(v) == v && std::abs(v) < 9.2e18) {
        if constexpr (kStore) column->appendInt(static_cast<std::int64_t>(v));
        return std::nullopt;
      }
      return expected("the real `" + valueText(stmt, c) + "`");
    }
    case SQLITE_TEXT: {
      const unsigned char* bytes = sqlite3_column_text(stmt, c);
      std::string_view text(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)));
      // An empty text is the empty string in a string column (it is not NULL); null tokens apply.
      return textValue<kStore>(column, spec, text, text.empty(), rules);
    }
    default: return expected("a blob");
  }
}

}  // namespace

SqliteTableReader::~SqliteTableReader() { sqlite3_close(db_); }

std::string SqliteTableReader::open(const std::string& path) {
  // SQLite would block opening a FIFO (waiting for a writer) and read a device forever.
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && !S_ISREG(info.st_mode)) {
    return S_ISDIR(info.st_mode) ? "is a folder, not a data file" : "is not a regular file";
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) return std::string("cannot open as a SQLite database: ") + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  sqlite3_set_authorizer(db_, onlyReads, nullptr);
  return {};
}

ReadResult SqliteTableReader::read(const std::vector<ColumnSpec>& declared, const SqliteReadOptions& options) {
  ReadResult result;
  auto fail = [&](std::string message) {
    result.error = DataError{CsvPosition{0, 0, false}, "", std::move(message)};
    return result;
  };
  if (db_ == nullptr) return fail("the database is not open");
  std::string table = quoteIdentifier(options.table);
  // The table's columns, from a statement prepared and never run.
  std::vector<std::string> present;
  {
    Statement all;
    if (sqlite3_prepare_v2(db_, ("SELECT * FROM " + table).c_str(), -1, &all.stmt, nullptr) != SQLITE_OK) {
      std::string why = sqlite3_errmsg(db_);
      if (why.rfind("no such table", 0) == 0) return fail("the database has no table `" + options.table + "`");
      return fail("cannot read table `" + options.table + "`: " + why);
    }
    for (int c = 0; c < sqlite3_column_count(all.stmt); ++c) present.emplace_back(sqlite3_column_name(all.stmt, c));
  }
  std::vector<std::string> missing, undeclared;
  for (const ColumnSpec& spec : declared) {
    if (std::find(present.begin(), present.end(), spec.name) == present.end()) missing.push_back(spec.name);
  }
  for (const std::string& name : present) {
    if (std::none_of(declared.begin(), declared.end(), [&](const ColumnSpec& s) { return s.name == name; })) undeclared.push_back(name);
  }
  if (!missing.empty() || (options.strict && !undeclared.empty())) {
    std::string message = "table `" + options.table + "` does not match the schema:";
    if (!missing.empty()) message += " missing " + detail::quoteNames(missing) + ";";
    if (options.strict && !undeclared.empty()) message += " not declared " + detail::quoteNames(undeclared) + " (the source says `strict = true`);";
    message.pop_back();
    return fail(message);
  }
  for (const std::string& name : undeclared) result.ignoredColumns.push_back("`" + name + "`");

  std::vector<Column*> columnOf = storedColumns(result.table, declared, options.only);  // null: checked only
  std::string select = "SELECT ";
  for (std::size_t c = 0; c < declared.size(); ++c) select += (c > 0 ? ", " : "") + quoteIdentifier(declared[c].name);
  select += " FROM " + table;
  Statement rows;
  if (sqlite3_prepare_v2(db_, select.c_str(), -1, &rows.stmt, nullptr) != SQLITE_OK) {
    return fail("cannot read table `" + options.table + "`: " + sqlite3_errmsg(db_));
  }
  std::uint32_t row = 0;
  const int width = static_cast<int>(declared.size());
  for (;;) {
    int rc = sqlite3_step(rows.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return fail("cannot read table `" + options.table + "`: " + sqlite3_errmsg(db_));
    ++row;
    std::optional<DataError> bad;
    for (int c = 0; c < width && !bad; ++c) {
      const ColumnSpec& spec = declared[static_cast<std::size_t>(c)];
      Column* column = columnOf[static_cast<std::size_t>(c)];
      std::optional<std::string> message = column != nullptr ? convert<true>(column, spec, rows.stmt, c, options.rules)
                                                             : convert<false>(nullptr, spec, rows.stmt, c, options.rules);
      if (message) bad = DataError{CsvPosition{row, static_cast<std::uint32_t>(c + 1), false}, spec.name, *message, recordText(rows.stmt, width)};
    }
    if (!bad) {
      ++result.table.rowsWithoutColumns;
      if (options.rowLines) result.rowLines.push_back(row);
      continue;
    }
    for (Column& column : result.table.columns) {
      if (column.size() > result.table.rowsWithoutColumns) column.popBack();
    }
    switch (options.onError) {
      case OnError::Fail: result.error = bad; return result;
      case OnError::Skip: ++result.skipped; break;
      case OnError::Quarantine: result.quarantined.push_back(std::move(*bad)); break;
    }
  }
  result.records = result.table.rows();
  return result;
}

}  // namespace weir::runtime
