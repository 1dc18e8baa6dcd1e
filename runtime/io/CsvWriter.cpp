#include "io/CsvWriter.h"

#include <fmt/format.h>

namespace weir::runtime {

std::string formatDate(std::int64_t days) {
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
  const unsigned yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const std::int64_t year = static_cast<std::int64_t>(yearOfEra) + era * 400;
  const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const unsigned mp = (5 * dayOfYear + 2) / 153;
  const unsigned day = dayOfYear - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04}-{:02}-{:02}", year + (month <= 2 ? 1 : 0), month, day);
}

std::string formatTimestamp(std::int64_t micros) {
  std::int64_t seconds = micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  std::int64_t fraction = micros - seconds * 1000000;
  std::int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  std::int64_t inDay = seconds - days * 86400;
  std::string out = fmt::format("{}T{:02}:{:02}:{:02}", formatDate(days), inDay / 3600, inDay / 60 % 60, inDay % 60);
  if (fraction != 0) {
    std::string digits = fmt::format("{:06}", fraction);
    digits.erase(digits.find_last_not_of('0') + 1);  // `.5`, not `.500000`
    out += "." + digits;
  }
  return out + "Z";
}

namespace {

void appendField(std::string& out, const std::string& text, char delimiter, bool emptyMeansValue) {
  bool quote = emptyMeansValue && text.empty();
  for (char c : text) quote = quote || c == delimiter || c == '"' || c == '\n' || c == '\r';
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string valueText(const Column& column, std::size_t row) {
  switch (column.spec().kind) {
    case ColumnKind::Int: return std::to_string(column.intAt(row));
    case ColumnKind::Float: return fmt::format("{}", column.floatAt(row));  // shortest exact form
    case ColumnKind::Bool: return column.intAt(row) != 0 ? "true" : "false";
    case ColumnKind::Date: return formatDate(column.intAt(row));
    case ColumnKind::Timestamp: return formatTimestamp(column.intAt(row));
    case ColumnKind::String:
    case ColumnKind::Category: return std::string(column.stringAt(row));
  }
  return {};
}

}  // namespace

std::string writeCsv(const Table& table, char delimiter) {
  std::string out;
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (c > 0) out += delimiter;
    appendField(out, table.columns[c].spec().name, delimiter, true);
  }
  out += '\n';
  for (std::size_t row = 0; row < table.rows(); ++row) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (c > 0) out += delimiter;
      const Column& column = table.columns[c];
      if (column.isNull(row)) continue;
      appendField(out, valueText(column, row), delimiter, true);
    }
    out += '\n';
  }
  return out;
}

}  // namespace weir::runtime
