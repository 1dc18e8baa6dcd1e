#include "io/CsvWriter.h"

#include "table/Morsels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

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

void appendQuoted(std::string& out, std::string_view text, char delimiter, bool emptyMeansValue) {
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

void appendValue(std::string& out, const Column& column, std::size_t row, char delimiter) {
  switch (column.kind()) {
    case ColumnKind::Int: fmt::format_to(std::back_inserter(out), "{}", column.intAt(row)); break;
    case ColumnKind::Float: {
      // Shortest exact form. A non-finite float (an overflow, `inf - inf`) is written as null, as
      // in JSON: `inf` and `nan` are no numbers a reader accepts.
      double x = column.floatAt(row);
      if (std::isfinite(x)) fmt::format_to(std::back_inserter(out), "{}", x);
      break;
    }
    case ColumnKind::Bool: out += column.intAt(row) != 0 ? "true" : "false"; break;
    case ColumnKind::Date: out += formatDate(column.intAt(row)); break;
    case ColumnKind::Timestamp: out += formatTimestamp(column.intAt(row)); break;
    case ColumnKind::String:
    case ColumnKind::Category: appendQuoted(out, column.stringAt(row), delimiter, true); break;
  }
}

}  // namespace

std::string writeCsv(const Table& table, char delimiter, bool withHeader) {
  std::string header;
  for (std::size_t c = 0; withHeader && c < table.columns.size(); ++c) {
    if (c > 0) header += delimiter;
    appendQuoted(header, table.columns[c].spec().name, delimiter, true);
  }
  if (withHeader) header += '\n';
  // Rows are written a morsel at a time in parallel, then joined in order.
  std::vector<std::string> parts(morselCount(table.rows()));
  forEachMorsel(table.rows(), [&](std::size_t m, std::size_t begin, std::size_t end) {
    std::string& out = parts[m];
    out.reserve((end - begin) * 16 * std::max<std::size_t>(1, table.columns.size()));
    for (std::size_t row = begin; row < end; ++row) {
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        if (c > 0) out += delimiter;
        const Column& column = table.columns[c];
        if (!column.isNull(row)) appendValue(out, column, row, delimiter);
      }
      out += '\n';
    }
  });
  std::size_t size = header.size();
  for (const std::string& part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  out += header;
  for (std::string& part : parts) {
    out += part;
    std::string().swap(part);
  }
  return out;
}

}  // namespace weir::runtime
