#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace weir::runtime {

// Text to typed values, as data files write them (LANGUAGE.md section 5). Each returns nullopt
// for text that is not a value of the type; none accepts leading or trailing spaces.

// `42`, `-7`, `+3`; nullopt beyond 64 bits.
std::optional<std::int64_t> parseInt(std::string_view text);

// `0.5`, `-1e-3`, `3`, `.5`; not `inf` or `nan`, nor a number beyond a float's range (`1e999`:
// sinks write non-finite floats as null, so what they write reads back); `1e-999` is 0.
std::optional<double> parseFloat(std::string_view text);

// `true` or `false`, in any case.
std::optional<bool> parseBool(std::string_view text);

// `2024-01-31`: days since 1970-01-01 (negative before).
std::optional<std::int32_t> parseDate(std::string_view text);

// `2024-01-31T12:00:00Z`, with optional fractions of a second (up to microseconds), a `Z` or a
// `+HH:MM` / `-HH:MM` offset, or neither (read as UTC); a space may replace the `T`. A date
// alone (`2024-01-31`) is midnight UTC.
// Microseconds since 1970-01-01T00:00:00Z.
std::optional<std::int64_t> parseTimestamp(std::string_view text);

// The days since 1970-01-01 of a date of the proleptic Gregorian calendar (any year a
// timestamp can reach: the arithmetic is 64-bit).
std::int64_t daysFromCivil(std::int64_t year, unsigned month, unsigned day);

}  // namespace weir::runtime
