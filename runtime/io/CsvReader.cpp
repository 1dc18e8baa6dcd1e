#include "io/CsvReader.h"

#include "io/ValueParsers.h"

#include <algorithm>
#include <map>

namespace weir::runtime {

namespace {

std::string quoteList(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i > 0 ? ", `" : "`") + names[i] + "`";
  return out;
}

// Parses one field into its column; an error message when the text is not a value of the type.
std::optional<std::string> appendField(Column& column, const std::string& text, bool quoted) {
  const ColumnSpec& spec = column.spec();
  // An empty field is null; a quoted empty string is an empty string, as in PostgreSQL's CSV.
  if (quoted && text.empty() && spec.kind == ColumnKind::String) {
    column.appendString(text);
    return std::nullopt;
  }
  if (text.empty()) {
    if (!spec.nullable) return "empty value in a column that cannot be null";
    column.appendNull();
    return std::nullopt;
  }
  auto expected = [&] {
    return "expected " + std::string(columnKindName(spec.kind)) + ", found `" + text + "`";
  };
  switch (spec.kind) {
    case ColumnKind::Int:
      if (auto v = parseInt(text)) {
        column.appendInt(*v);
        return std::nullopt;
      }
      return expected();
    case ColumnKind::Float:
      if (auto v = parseFloat(text)) {
        column.appendFloat(*v);
        return std::nullopt;
      }
      return expected();
    case ColumnKind::Bool:
      if (auto v = parseBool(text)) {
        column.appendInt(*v ? 1 : 0);
        return std::nullopt;
      }
      return expected();
    case ColumnKind::Date:
      if (auto v = parseDate(text)) {
        column.appendInt(*v);
        return std::nullopt;
      }
      return expected() + " (dates are written YYYY-MM-DD)";
    case ColumnKind::Timestamp:
      if (auto v = parseTimestamp(text)) {
        column.appendInt(*v);
        return std::nullopt;
      }
      return expected() + " (timestamps are written YYYY-MM-DDTHH:MM:SSZ)";
    case ColumnKind::String:
      column.appendString(text);
      return std::nullopt;
    case ColumnKind::Category: {
      auto it = std::find(spec.levels.begin(), spec.levels.end(), text);
      if (it == spec.levels.end()) return "`" + text + "` is not one of the levels " + quoteList(spec.levels);
      column.appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
      return std::nullopt;
    }
  }
  return expected();
}

// The record as written, for a quarantine file.
std::string recordText(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += delimiter;
    const std::string& f = fields[i];
    bool quote = f.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos;
    if (!quote) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace

ReadResult readCsv(std::string_view text, const std::vector<ColumnSpec>& declared, const CsvOptions& options) {
  ReadResult result;
  std::vector<ColumnSpec> schema;  // the columns stored
  for (const ColumnSpec& spec : declared) {
    if (options.only.empty() || std::find(options.only.begin(), options.only.end(), spec.name) != options.only.end()) {
      schema.push_back(spec);
    }
  }
  for (const ColumnSpec& spec : schema) result.table.columns.emplace_back(spec);
  CsvTokenizer tokenizer(text, options.delimiter);
  std::vector<std::string> fields;
  std::vector<CsvPosition> positions;
  std::string problem;
  CsvPosition at;

  // The header: every declared column once, nothing else.
  if (!tokenizer.next(fields, positions, problem, at)) {
    result.error = DataError{at, "", tokenizer.failed() ? problem : "the file is empty: a header row is expected"};
    return result;
  }
  std::map<std::string, std::size_t> fieldOf;
  std::vector<std::string> undeclared;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    bool isDeclared = std::any_of(declared.begin(), declared.end(), [&](const ColumnSpec& s) { return s.name == fields[i]; });
    if (!isDeclared) undeclared.push_back(fields[i]);
    if (!fieldOf.emplace(fields[i], i).second) {
      result.error = DataError{positions[i], fields[i], "the header names `" + fields[i] + "` twice"};
      return result;
    }
  }
  std::vector<std::string> missing;
  for (const ColumnSpec& spec : declared) {
    if (!fieldOf.count(spec.name)) missing.push_back(spec.name);
  }
  if (!missing.empty() || !undeclared.empty()) {
    std::string message = "the header does not match the schema:";
    if (!missing.empty()) message += " missing " + quoteList(missing) + ";";
    if (!undeclared.empty()) message += " not declared " + quoteList(undeclared) + ";";
    message.pop_back();
    result.error = DataError{CsvPosition{positions.empty() ? 1u : positions.front().line, 1}, "", message};
    return result;
  }
  const std::size_t width = fields.size();

  while (tokenizer.next(fields, positions, problem, at)) {
    std::optional<DataError> bad;
    if (fields.size() != width) {
      bad = DataError{positions.front(), "",
                      "the record has " + std::to_string(fields.size()) + " fields, the header " + std::to_string(width)};
    }
    std::size_t stored = 0;
    for (std::size_t c = 0; !bad && c < schema.size(); ++c) {
      std::size_t index = fieldOf.at(schema[c].name);
      if (auto message = appendField(result.table.columns[c], fields[index], positions[index].quoted)) {
        bad = DataError{positions[index], schema[c].name, *message};
        break;
      }
      ++stored;
    }
    if (!bad) {
      ++result.table.rowsWithoutColumns;
      continue;
    }
    bad->record = recordText(fields, options.delimiter);
    for (std::size_t c = 0; c < stored; ++c) result.table.columns[c].popBack();
    switch (options.onError) {
      case OnError::Fail:
        result.error = bad;
        return result;
      case OnError::Skip:
        ++result.skipped;
        break;
      case OnError::Quarantine:
        result.quarantined.push_back(*bad);
        break;
    }
  }
  if (tokenizer.failed()) result.error = DataError{at, "", problem};
  return result;
}

}  // namespace weir::runtime
