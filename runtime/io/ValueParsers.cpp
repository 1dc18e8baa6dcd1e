#include "io/ValueParsers.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include <fast_float/fast_float.h>

namespace weir::runtime {

std::optional<std::int64_t> parseInt(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.front() == '+') return std::nullopt;
  // Up to 18 digits cannot overflow: summed directly (the common case, and the CSV reader's inner
  // loop). Longer numbers (leading zeros, the limits) go through from_chars, which says what fits.
  bool negative = text.front() == '-';
  std::size_t digits = text.size() - (negative ? 1 : 0);
  if (digits >= 1 && digits <= 18) {
    std::int64_t value = 0;
    for (std::size_t i = negative ? 1 : 0; i < text.size(); ++i) {
      auto digit = static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0');
      if (digit > 9) return std::nullopt;
      value = value * 10 + static_cast<std::int64_t>(digit);
    }
    return negative ? -value : value;
  }
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

// The bytes a number is written with: digits, `.`, signs and exponents (a table: the check is a
// tenth of reading a file of floats when made of comparisons).
constexpr std::array<bool, 256> kNumberBytes = [] {
  std::array<bool, 256> bytes{};
  for (char c : std::string_view("0123456789.-+eE")) bytes[static_cast<unsigned char>(c)] = true;
  return bytes;
}();

}  // namespace

std::optional<double> parseFloat(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  // from_chars also reads `inf` and `nan`: data files mean a number.
  bool number = true;
  for (char c : text) number &= kNumberBytes[static_cast<unsigned char>(c)];
  if (!number) return std::nullopt;
  // fast_float (Lemire's algorithm, the one libstdc++'s from_chars uses): the nearest double,
  // without a locale or a copy. Beyond a float's range it gives an infinity (`1e999` is no value
  // a sink writes) and below it zero (`1e-999`, as JSON readers do).
  double value = 0;
  auto [ptr, ec] = fast_float::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<bool> parseBool(std::string_view text) {
  // ASCII letters differ from their capitals in bit 0x20 only; the words are letters.
  auto equals = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) | 0x20) != static_cast<unsigned char>(word[i])) return false;
    }
    return true;
  };
  if (equals("true")) return true;
  if (equals("false")) return false;
  return std::nullopt;
}

std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  // Howard Hinnant's days_from_civil.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yearOfEra = static_cast<unsigned>(year - era * 400);
  const unsigned dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
  return era * 146097 + static_cast<std::int64_t>(dayOfEra) - 719468;
}

namespace {

bool digits(std::string_view text, std::size_t from, std::size_t count, unsigned& out) {
  if (from + count > text.size()) return false;
  out = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    auto digit = static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0');
    if (digit > 9) return false;
    out = out * 10 + digit;
  }
  return true;
}

bool leapYear(unsigned year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned daysInMonth(unsigned year, unsigned month) {
  static const unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leapYear(year) ? 29 : days[month - 1];
}

std::optional<std::int32_t> datePrefix(std::string_view text) {
  unsigned year = 0, month = 0, day = 0;
  if (text.size() < 10 || !digits(text, 0, 4, year) || text[4] != '-' || !digits(text, 5, 2, month) ||
      text[7] != '-' || !digits(text, 8, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return std::nullopt;
  return static_cast<std::int32_t>(daysFromCivil(year, month, day));  // a four-digit year
}

}  // namespace

std::optional<std::int32_t> parseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return datePrefix(text);
}

std::optional<std::int64_t> parseTimestamp(std::string_view text) {
  std::optional<std::int32_t> days = datePrefix(text);
  // A date alone is midnight UTC.
  if (days && text.size() == 10) return static_cast<std::int64_t>(*days) * 86400 * 1000000;
  if (!days || text.size() < 19 || (text[10] != 'T' && text[10] != ' ')) return std::nullopt;
  unsigned hour = 0, minute = 0, second = 0;
  if (!digits(text, 11, 2, hour) || text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t start = at;
    std::int64_t scale = 100000;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      if (at - start < 6) micros += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  std::int64_t offsetSeconds = 0;
  if (at < text.size()) {
    if (text[at] == 'Z' || text[at] == 'z') {
      ++at;
    } else if (text[at] == '+' || text[at] == '-') {
      unsigned offHour = 0, offMinute = 0;
      if (!digits(text, at + 1, 2, offHour) || text.size() < at + 6 || text[at + 3] != ':' ||
          !digits(text, at + 4, 2, offMinute) || offHour > 23 || offMinute > 59) {
        return std::nullopt;
      }
      offsetSeconds = (text[at] == '+' ? 1 : -1) * static_cast<std::int64_t>(offHour * 3600 + offMinute * 60);
      at += 6;
    }
  }
  if (at != text.size()) return std::nullopt;
  std::int64_t seconds = static_cast<std::int64_t>(*days) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return seconds * 1000000 + micros;
}

}  // namespace weir::runtime
