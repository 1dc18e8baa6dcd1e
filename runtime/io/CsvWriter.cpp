#include "io/CsvWriter.h"
#include "io/CsvRows.h"

#include "table/Morsels.h"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

// `{}` of a number, compiled (no format string parsed per value) into a buffer on the stack.
template <typename T>
void appendNumber(std::string& out, T value) {
  char buffer[64];
  char* end = fmt::format_to(buffer, FMT_COMPILE("{}"), value);
  out.append(buffer, end);
}

// Writes the decimal digits of `value` ending at `end`; returns where they begin. Eight digits
// at a time in 32-bit arithmetic, two per step from a table.
char* writeDigits(char* end, std::uint64_t value) {
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  auto pair = [&](std::uint32_t two) {
    *--end = kPairs[two * 2 + 1];
    *--end = kPairs[two * 2];
  };
  while (value >= 100000000) {
    auto low = static_cast<std::uint32_t>(value % 100000000);
    value /= 100000000;
    for (int i = 0; i < 4; ++i) {
      pair(low % 100);
      low /= 100;
    }
  }
  auto rest = static_cast<std::uint32_t>(value);
  while (rest >= 100) {
    pair(rest % 100);
    rest /= 100;
  }
  if (rest >= 10) pair(rest);
  else *--end = static_cast<char>('0' + rest);
  return end;
}

// A finite double as fmt's `{}` writes it (the bytes sinks have always written): the shortest
// digits that read back to it (fmt's dragonbox), laid out as fmt's general format without a
// precision: an exponent (`e+16`, `e-05`: a sign and at least two digits) when the decimal
// exponent is below -4 or at least 16, else fixed (`1000000000000000`, `12.5`, `0.0001`), no
// trailing `.0`. Writing the layout here instead of through fmt's generic float writer halves
// the sink's formatting time; CsvWriter.FloatsInTheirShortestExactForm compares it with fmt.
void appendShortest(std::string& out, double x) {
  if (std::signbit(x)) {
    out += '-';
    x = -x;
  }
  fmt::detail::dragonbox::decimal_fp<double> decimal = fmt::detail::dragonbox::to_decimal(x);
  char digits[24];
  char* end = digits + sizeof digits;
  char* begin = writeDigits(end, decimal.significand);
  const int size = static_cast<int>(end - begin);
  const int outputExponent = decimal.exponent + size - 1;
  if (outputExponent < -4 || outputExponent >= 16) {
    out += *begin;
    if (size > 1) {
      out += '.';
      out.append(begin + 1, end);
    }
    out += 'e';
    out += outputExponent < 0 ? '-' : '+';
    int magnitude = outputExponent < 0 ? -outputExponent : outputExponent;
    char exponent[8];
    char* exponentEnd = exponent + sizeof exponent;
    char* exponentBegin = writeDigits(exponentEnd, static_cast<std::uint64_t>(magnitude));
    if (exponentEnd - exponentBegin < 2) *--exponentBegin = '0';
    out.append(exponentBegin, exponentEnd);
    return;
  }
  if (decimal.exponent >= 0) {
    out.append(begin, end);
    out.append(static_cast<std::size_t>(decimal.exponent), '0');
  } else if (size + decimal.exponent > 0) {
    const int point = size + decimal.exponent;
    out.append(begin, begin + point);
    out += '.';
    out.append(begin + point, end);
  } else {
    out += "0.";
    out.append(static_cast<std::size_t>(-(size + decimal.exponent)), '0');
    out.append(begin, end);
  }
}

void appendValue(std::string& out, const Column& column, std::size_t row, char delimiter) {
  switch (column.kind()) {
    case ColumnKind::Int: appendNumber(out, column.intAt(row)); break;
    case ColumnKind::Float: {
      // Shortest exact form. A non-finite float (an overflow, `inf - inf`) is written as null, as
      // in JSON: `inf` and `nan` are no numbers a reader accepts.
      double x = column.floatAt(row);
      if (std::isfinite(x)) appendShortest(out, x);
      break;
    }
    case ColumnKind::Bool: out += column.intAt(row) != 0 ? "true" : "false"; break;
    case ColumnKind::Date: out += formatDate(column.intAt(row)); break;
    case ColumnKind::Timestamp: out += formatTimestamp(column.intAt(row)); break;
    case ColumnKind::String:
    case ColumnKind::Category: appendQuoted(out, column.stringAt(row), delimiter, true); break;
  }
}

// Rows [begin, end) as CSV records.
std::string formatRows(const Table& table, char delimiter, std::size_t begin, std::size_t end) {
  // Room for the usual widths (a float's shortest form is up to 24 bytes), so that the text is
  // not copied as it grows.
  std::size_t rowBytes = 1;
  for (const Column& column : table.columns) rowBytes += column.kind() == ColumnKind::Float ? 25 : 17;
  std::string out;
  out.reserve((end - begin) * rowBytes);
  for (std::size_t row = begin; row < end; ++row) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (c > 0) out += delimiter;
      const Column& column = table.columns[c];
      if (!column.isNull(row)) appendValue(out, column, row, delimiter);
    }
    out += '\n';
  }
  return out;
}

}  // namespace

std::string formatCsvRows(const Table& table, char delimiter, std::size_t begin, std::size_t end) {
  return formatRows(table, delimiter, begin, end);
}

void writeCsvPieces(const Table& table, char delimiter, bool withHeader, const std::function<void(std::string_view)>& consume) {
  std::string header;
  for (std::size_t c = 0; withHeader && c < table.columns.size(); ++c) {
    if (c > 0) header += delimiter;
    appendQuoted(header, table.columns[c].spec().name, delimiter, true);
  }
  if (withHeader) header += '\n';
  if (!header.empty()) consume(header);
  // Morsels are taken in order, formatted in parallel and consumed in order; a few in flight per
  // thread bound the memory to a few morsels' text.
  const std::size_t count = morselCount(table.rows());
  if (count == 0) return;
  const std::size_t rows = table.rows();
  const auto tokens = static_cast<std::size_t>(2 * std::max(1, tbb::this_task_arena::max_concurrency()));
  std::size_t next = 0;
  tbb::parallel_pipeline(
      tokens,
      tbb::make_filter<void, std::size_t>(tbb::filter_mode::serial_in_order,
                                          [&](tbb::flow_control& control) -> std::size_t {
                                            if (next == count) {
                                              control.stop();
                                              return 0;
                                            }
                                            return next++;
                                          }) &
          tbb::make_filter<std::size_t, std::string>(tbb::filter_mode::parallel,
                                                     [&](std::size_t m) {
                                                       const std::size_t begin = m * kMorselRows;
                                                       return formatRows(table, delimiter, begin, std::min(rows, begin + kMorselRows));
                                                     }) &
          tbb::make_filter<std::string, void>(tbb::filter_mode::serial_in_order, [&](const std::string& piece) { consume(piece); }));
}

std::string writeCsv(const Table& table, char delimiter, bool withHeader) {
  std::string out;
  writeCsvPieces(table, delimiter, withHeader, [&out](std::string_view piece) { out += piece; });
  return out;
}

}  // namespace weir::runtime
