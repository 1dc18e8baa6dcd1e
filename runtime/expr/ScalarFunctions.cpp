#include "expr/ScalarFunctions.h"

#include "expr/Expression.h"
#include "io/CsvWriter.h"
#include "io/ValueParsers.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>

namespace weir::runtime {

namespace {

ColumnSpec specOf(ColumnKind kind) {
  ColumnSpec spec;
  spec.kind = kind;
  return spec;
}

// A result with the nulls of its first operand (or every operand), computed row by row.
Vector rowwise(std::vector<Vector>& args, std::size_t rows, ColumnKind kind, const std::function<void(Vector&, std::size_t)>& f) {
  std::vector<const Vector*> all;
  for (const Vector& v : args) all.push_back(&v);
  Vector out = makeVector(kind, rows, allScalar(all));
  for (std::size_t i = 0; i < out.size; ++i) {
    bool null = std::any_of(args.begin(), args.end(), [&](const Vector& v) { return v.isNull(i); });
    if (null) setNull(out, i);
    else f(out, i);
  }
  return out;
}

std::int64_t intOrFloatToInt(const Vector& v, std::size_t i) {
  return v.kind == ColumnKind::Float ? static_cast<std::int64_t>(v.floats[v.at(i)]) : v.ints[v.at(i)];
}

// Year, month and day of a date (days since the epoch), after Howard Hinnant's civil_from_days.
void civil(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto dayOfEra = static_cast<unsigned>(days - era * 146097);
  const unsigned yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
  const unsigned dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
  const unsigned mp = (5 * dayOfYear + 2) / 153;
  day = dayOfYear - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<std::int64_t>(yearOfEra) + era * 400 + (month <= 2 ? 1 : 0);
}

std::int64_t daysOfValue(ColumnKind kind, std::int64_t value) {
  if (kind == ColumnKind::Timestamp) return value >= 0 ? value / 86400000000LL : -((-value + 86399999999LL) / 86400000000LL);
  return value;
}

std::int64_t daysOf(const Vector& v, std::size_t i) { return daysOfValue(v.kind, v.ints[v.at(i)]); }

// The text of any value, as the CSV writer writes it.
std::string textOf(const Vector& v, std::size_t i) {
  std::size_t at = v.at(i);
  switch (v.kind) {
    case ColumnKind::Int: return std::to_string(v.ints[at]);
    case ColumnKind::Float: return fmt::format("{}", v.floats[at]);
    case ColumnKind::Bool: return v.ints[at] != 0 ? "true" : "false";
    case ColumnKind::Date: return formatDate(v.ints[at]);
    case ColumnKind::Timestamp: return formatTimestamp(v.ints[at]);
    default: return std::string(textAt(v, i));
  }
}

std::string_view storeString(Vector& out, std::string value) {
  if (!out.owned) out.owned = std::make_shared<std::deque<std::string>>();
  out.owned->push_back(std::move(value));
  return out.owned->back();
}

std::size_t codePoints(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// The byte offset of code point `n` (0-based) of `text`, or its size when it has fewer.
std::size_t codePointOffset(std::string_view text, std::int64_t n) {
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (n-- == 0) return i;
  }
  return text.size();
}

bool asciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool numeric(const ColumnSpec& spec) { return spec.kind == ColumnKind::Int || spec.kind == ColumnKind::Float; }

ColumnSpec common(const std::vector<ColumnSpec>& args, const std::vector<bool>& nullTypes) {
  ColumnSpec out;
  bool any = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (nullTypes[i]) continue;
    if (!any) {
      out = args[i];
      any = true;
    } else if (numeric(out) && numeric(args[i]) && out.kind != args[i].kind) {
      out.kind = ColumnKind::Float;
    } else if (out.kind != args[i].kind || out.levels != args[i].levels) {
      if (storesCodes(out.kind) && storesCodes(args[i].kind)) {
        out.kind = ColumnKind::String;
        out.levels.clear();
      }
    }
  }
  return out;
}

}  // namespace

std::int64_t datePart(ColumnKind kind, std::int64_t value, int which) {
  std::int64_t year;
  unsigned month, day;
  civil(daysOfValue(kind, value), year, month, day);
  return which == 0 ? year : which == 1 ? month : day;
}

std::optional<ScalarFunction> scalarFunction(catalog::BuiltinId id, const std::vector<ColumnSpec>& args,
                                             const std::vector<bool>& nullTypes) {
  using catalog::BuiltinId;
  const std::size_t n = args.size();
  auto kindOf = [&](std::size_t i) { return nullTypes[i] ? ColumnKind::Float : args[i].kind; };
  // Every catalogued scalar and conversion has a case (test/unit/CatalogTest.cpp runs each).
  switch (id) {

    case BuiltinId::Abs:
    case BuiltinId::Round:
    case BuiltinId::Floor:
    case BuiltinId::Ceil: {
      if (n != 1) return std::nullopt;
      ColumnKind kind = kindOf(0) == ColumnKind::Int ? ColumnKind::Int : ColumnKind::Float;
      double (*f)(double) = id == BuiltinId::Abs ? static_cast<double (*)(double)>(std::fabs)
                          : id == BuiltinId::Round ? static_cast<double (*)(double)>(std::round)
                          : id == BuiltinId::Floor ? static_cast<double (*)(double)>(std::floor)
                                            : static_cast<double (*)(double)>(std::ceil);
      bool isAbs = id == BuiltinId::Abs;
      return ScalarFunction{specOf(kind), [kind, f, isAbs](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, kind, [&](Vector& out, std::size_t i) {
          if (kind == ColumnKind::Int) {
            std::int64_t x = v[0].ints[v[0].at(i)];
            out.ints[i] = isAbs && x < 0 ? static_cast<std::int64_t>(0u - static_cast<std::uint64_t>(x)) : x;
          } else {
            out.floats[i] = f(numberAt(v[0], i));
          }
        });
      }};
    }
    case BuiltinId::Sqrt:
    case BuiltinId::Log:
    case BuiltinId::Exp: {
      if (n != 1) return std::nullopt;
      int which = id == BuiltinId::Sqrt ? 0 : id == BuiltinId::Log ? 1 : 2;
      return ScalarFunction{specOf(ColumnKind::Float), [which](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Float, [&](Vector& out, std::size_t i) {
          double x = numberAt(v[0], i);
          // Outside the domain (the root or logarithm of a negative number): null, not NaN.
          if ((which == 0 && x < 0) || (which == 1 && x <= 0)) return setNull(out, i);
          out.floats[i] = which == 0 ? std::sqrt(x) : which == 1 ? std::log(x) : std::exp(x);
        });
      }};
    }
    case BuiltinId::Pow: {
      if (n != 2) return std::nullopt;
      return ScalarFunction{specOf(ColumnKind::Float), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Float, [&](Vector& out, std::size_t i) {
          double r = std::pow(numberAt(v[0], i), numberAt(v[1], i));
          if (std::isnan(r)) return setNull(out, i);
          out.floats[i] = r;
        });
      }};
    }
    case BuiltinId::Min:
    case BuiltinId::Max: {
      if (n != 2) return std::nullopt;
      ColumnSpec result = common(args, nullTypes);
      bool isMin = id == BuiltinId::Min;
      return ScalarFunction{result, [result, isMin](std::vector<Vector>& v, std::size_t rows) {
        Vector out = rowwise(v, rows, result.kind, [&](Vector& o, std::size_t i) {
          bool firstWins;
          if (result.kind == ColumnKind::String || result.kind == ColumnKind::Category) {
            firstWins = isMin ? textAt(v[0], i) <= textAt(v[1], i) : textAt(v[0], i) >= textAt(v[1], i);
          } else {
            firstWins = isMin ? numberAt(v[0], i) <= numberAt(v[1], i) : numberAt(v[0], i) >= numberAt(v[1], i);
          }
          copyValue(v[firstWins ? 0 : 1], i, o, i);
        });
        out.anchor(v[0]);
        out.anchor(v[1]);
        return out;
      }};
    }
    case BuiltinId::Clamp: {
      if (n != 3) return std::nullopt;
      ColumnSpec result = common(args, nullTypes);
      return ScalarFunction{result, [result](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, result.kind, [&](Vector& out, std::size_t i) {
          double x = std::min(std::max(numberAt(v[0], i), numberAt(v[1], i)), numberAt(v[2], i));
          if (result.kind == ColumnKind::Int) out.ints[i] = static_cast<std::int64_t>(x);
          else out.floats[i] = x;
        });
      }};
    }
    case BuiltinId::Coalesce: {
      if (n < 1) return std::nullopt;
      ColumnSpec result = common(args, nullTypes);
      return ScalarFunction{result, [result](std::vector<Vector>& v, std::size_t rows) {
        std::vector<const Vector*> all;
        for (const Vector& x : v) all.push_back(&x);
        Vector out = makeVector(result.kind, rows, allScalar(all));
        if (result.kind == ColumnKind::Category) out.levels = std::make_shared<const std::vector<std::string>>(result.levels);
        for (const Vector& x : v) out.anchor(x);
        for (std::size_t i = 0; i < out.size; ++i) {
          std::size_t pick = v.size() - 1;
          for (std::size_t k = 0; k < v.size(); ++k) {
            if (!v[k].isNull(i)) {
              pick = k;
              break;
            }
          }
          copyValue(v[pick], i, out, i);
        }
        return out;
      }};
    }
    case BuiltinId::Lower:
    case BuiltinId::Upper: {
      if (n != 1) return std::nullopt;
      bool lower = id == BuiltinId::Lower;
      return ScalarFunction{specOf(ColumnKind::String), [lower](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::String, [&](Vector& out, std::size_t i) {
          std::string text(textAt(v[0], i));
          // ASCII letters only: other characters are kept as they are.
          for (char& c : text) {
            if (lower && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (!lower && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
          }
          out.strings[i] = storeString(out, std::move(text));
        });
      }};
    }
    case BuiltinId::Length: {
      if (n != 1) return std::nullopt;
      return ScalarFunction{specOf(ColumnKind::Int), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Int, [&](Vector& out, std::size_t i) {
          out.ints[i] = static_cast<std::int64_t>(codePoints(textAt(v[0], i)));
        });
      }};
    }
    case BuiltinId::Contains:
    case BuiltinId::StartsWith: {
      if (n != 2) return std::nullopt;
      bool contains = id == BuiltinId::Contains;
      return ScalarFunction{specOf(ColumnKind::Bool), [contains](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Bool, [&](Vector& out, std::size_t i) {
          std::string_view text = textAt(v[0], i), part = textAt(v[1], i);
          out.ints[i] = contains ? text.find(part) != std::string_view::npos : text.substr(0, part.size()) == part;
        });
      }};
    }
    case BuiltinId::Year:
    case BuiltinId::Month:
    case BuiltinId::Day: {
      if (n != 1) return std::nullopt;
      int which = id == BuiltinId::Year ? 0 : id == BuiltinId::Month ? 1 : 2;
      return ScalarFunction{specOf(ColumnKind::Int), [which](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Int, [&](Vector& out, std::size_t i) {
          std::int64_t year;
          unsigned month, day;
          civil(daysOf(v[0], i), year, month, day);
          out.ints[i] = which == 0 ? year : which == 1 ? month : day;
        });
      }};
    }
    case BuiltinId::DaysBetween: {
      if (n != 2) return std::nullopt;
      return ScalarFunction{specOf(ColumnKind::Int), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Int, [&](Vector& out, std::size_t i) { out.ints[i] = daysOf(v[1], i) - daysOf(v[0], i); });
      }};
    }
    case BuiltinId::Hash: {
      if (n < 1) return std::nullopt;
      // XXH3-64 of the values' text, separated by a byte that no text holds; a null hashes as
      // the empty text marked null. Stable across runs and machines.
      return ScalarFunction{specOf(ColumnKind::Int), [](std::vector<Vector>& v, std::size_t rows) {
        std::vector<const Vector*> all;
        for (const Vector& x : v) all.push_back(&x);
        Vector out = makeVector(ColumnKind::Int, rows, allScalar(all));
        std::string buffer;
        for (std::size_t i = 0; i < out.size; ++i) {
          buffer.clear();
          for (const Vector& x : v) {
            buffer += x.isNull(i) ? std::string("\x01null") : textOf(x, i);
            buffer += '\0';
          }
          out.ints[i] = static_cast<std::int64_t>(XXH3_64bits(buffer.data(), buffer.size()));
        }
        return out;
      }};
    }
    case BuiltinId::Concat: {
      if (n < 1) return std::nullopt;
      // Each value as `string(x)` writes it; null when any is (SQL's `||`).
      return ScalarFunction{specOf(ColumnKind::String), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::String, [&](Vector& out, std::size_t i) {
          std::string text;
          for (const Vector& x : v) text += textOf(x, i);
          out.strings[i] = storeString(out, std::move(text));
        });
      }};
    }
    case BuiltinId::Substring: {
      if (n != 3) return std::nullopt;
      // SQL's: `length` code points from the 1-based position `start`, of those that exist (a
      // start before 1 counts the positions before the text); a negative length takes none.
      return ScalarFunction{specOf(ColumnKind::String), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::String, [&](Vector& out, std::size_t i) {
          std::string_view text = textAt(v[0], i);
          std::int64_t start = intOrFloatToInt(v[1], i), length = intOrFloatToInt(v[2], i);
          std::int64_t end = length <= 0 ? start : start > INT64_MAX - length ? INT64_MAX : start + length;  // exclusive
          std::int64_t begin = std::max<std::int64_t>(start, 1);
          if (end <= begin) {
            out.strings[i] = std::string_view();
            return;
          }
          std::size_t from = codePointOffset(text, begin - 1);
          std::size_t to = codePointOffset(text, end - 1);
          out.strings[i] = storeString(out, std::string(text.substr(from, to - from)));
        });
      }};
    }
    case BuiltinId::Replace: {
      if (n != 3) return std::nullopt;
      // Every occurrence of `old`, left to right, without overlaps; an empty `old` replaces nothing.
      return ScalarFunction{specOf(ColumnKind::String), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::String, [&](Vector& out, std::size_t i) {
          std::string_view text = textAt(v[0], i), from = textAt(v[1], i), to = textAt(v[2], i);
          if (from.empty()) {
            out.strings[i] = storeString(out, std::string(text));
            return;
          }
          std::string result;
          std::size_t at = 0;
          for (std::size_t found; (found = text.find(from, at)) != std::string_view::npos; at = found + from.size()) {
            result.append(text.substr(at, found - at));
            result.append(to);
          }
          result.append(text.substr(at));
          out.strings[i] = storeString(out, std::move(result));
        });
      }};
    }
    case BuiltinId::Trim: {
      if (n != 1) return std::nullopt;
      // ASCII white space at both ends (space, tab, line feed, carriage return, vertical tab, form feed).
      return ScalarFunction{specOf(ColumnKind::String), [](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::String, [&](Vector& out, std::size_t i) {
          std::string_view text = textAt(v[0], i);
          while (!text.empty() && asciiSpace(text.front())) text.remove_prefix(1);
          while (!text.empty() && asciiSpace(text.back())) text.remove_suffix(1);
          out.strings[i] = storeString(out, std::string(text));
        });
      }};
    }
    case BuiltinId::ToFloat: {
      if (n != 1) return std::nullopt;
      ColumnKind from = kindOf(0);
      return ScalarFunction{specOf(ColumnKind::Float), [from](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Float, [&](Vector& out, std::size_t i) {
          if (from == ColumnKind::String || from == ColumnKind::Category) {
            if (auto x = parseFloat(textAt(v[0], i))) out.floats[i] = *x;
            else setNull(out, i);
          } else {
            out.floats[i] = numberAt(v[0], i);
          }
        });
      }};
    }
    case BuiltinId::ToInt: {
      if (n != 1) return std::nullopt;
      ColumnKind from = kindOf(0);
      return ScalarFunction{specOf(ColumnKind::Int), [from](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, ColumnKind::Int, [&](Vector& out, std::size_t i) {
          if (from == ColumnKind::String || from == ColumnKind::Category) {
            if (auto x = parseInt(textAt(v[0], i))) out.ints[i] = *x;
            else setNull(out, i);
          } else if (from == ColumnKind::Float) {
            // Truncated toward zero; out of the int range: null.
            double x = v[0].floats[v[0].at(i)];
            if (!(x > -9.2e18 && x < 9.2e18)) return setNull(out, i);
            out.ints[i] = static_cast<std::int64_t>(x);
          } else {
            out.ints[i] = intOrFloatToInt(v[0], i);
          }
        });
      }};
    }
    case BuiltinId::ToString: {
      if (n != 1) return std::nullopt;
      return ScalarFunction{specOf(ColumnKind::String), [](std::vector<Vector>& v, std::size_t rows) {
        Vector out = rowwise(v, rows, ColumnKind::String, [&](Vector& o, std::size_t i) { o.strings[i] = storeString(o, textOf(v[0], i)); });
        return out;
      }};
    }
    case BuiltinId::ToDate:
    case BuiltinId::ToTimestamp: {
      if (n != 1) return std::nullopt;
      bool date = id == BuiltinId::ToDate;
      ColumnKind kind = date ? ColumnKind::Date : ColumnKind::Timestamp;
      return ScalarFunction{specOf(kind), [date, kind](std::vector<Vector>& v, std::size_t rows) {
        return rowwise(v, rows, kind, [&](Vector& out, std::size_t i) {
          std::string_view text = textAt(v[0], i);
          if (date) {
            if (auto x = parseDate(text)) out.ints[i] = *x;
            else setNull(out, i);
          } else if (auto x = parseTimestamp(text)) {
            out.ints[i] = *x;
          } else {
            setNull(out, i);
          }
        });
      }};
    }
    default:
      // Aggregates, `bucket`, `date_trunc` and `category` (the interpreter compiles their
      // literals) and what is not a row value.
      return std::nullopt;
  }
}

std::optional<ScalarFunction> truncateFunction(catalog::TimeUnit unit, ColumnKind value) {
  using catalog::TimeUnit;
  bool timestamp = value == ColumnKind::Timestamp;
  if (!timestamp && value != ColumnKind::Date) return std::nullopt;
  if (!timestamp && unit > TimeUnit::Day) return std::nullopt;
  return ScalarFunction{specOf(value), [unit, timestamp, value](std::vector<Vector>& v, std::size_t rows) {
    return rowwise(v, rows, value, [&](Vector& out, std::size_t i) {
      constexpr std::int64_t kDay = 86400000000LL, kHour = 3600000000LL, kMinute = 60000000LL;
      std::int64_t x = v[0].ints[v[0].at(i)];
      if (unit == TimeUnit::Hour || unit == TimeUnit::Minute) {
        std::int64_t step = unit == TimeUnit::Hour ? kHour : kMinute;
        out.ints[i] = floorDiv(x, step) * step;
        return;
      }
      std::int64_t days = timestamp ? floorDiv(x, kDay) : x;
      std::int64_t year;
      unsigned month, day;
      civil(days, year, month, day);
      switch (unit) {
        case TimeUnit::Year: days = daysFromCivil(year, 1, 1); break;
        case TimeUnit::Quarter: days = daysFromCivil(year, (month - 1) / 3 * 3 + 1, 1); break;
        case TimeUnit::Month: days = daysFromCivil(year, month, 1); break;
        case TimeUnit::Week: days -= ((days + 3) % 7 + 7) % 7; break;  // 1970-01-01 was a Thursday
        default: break;
      }
      out.ints[i] = timestamp ? days * kDay : days;
    });
  }};
}

ScalarFunction categoryFunction(std::vector<std::string> levels) {
  ColumnSpec spec = specOf(ColumnKind::Category);
  spec.levels = levels;
  auto shared = std::make_shared<const std::vector<std::string>>(std::move(levels));
  return ScalarFunction{spec, [shared](std::vector<Vector>& v, std::size_t rows) {
    Vector out = rowwise(v, rows, ColumnKind::Category, [&](Vector& o, std::size_t i) {
      std::string text = textOf(v[0], i);
      auto it = std::find(shared->begin(), shared->end(), text);
      if (it == shared->end()) return setNull(o, i);
      o.ints[i] = it - shared->begin();
    });
    out.levels = shared;
    return out;
  }};
}

Column toColumn(const Vector& values, const ColumnSpec& spec, std::size_t rows) {
  Column column(spec);
  column.reserve(rows);
  auto null = [&](std::size_t i) { return values.isNull(i); };
  if (!values.nullType && !values.scalar && values.kind == spec.kind && spec.kind != ColumnKind::String &&
      spec.kind != ColumnKind::Category) {
    std::vector<std::uint8_t> valid = values.valid.empty() ? std::vector<std::uint8_t>(rows, 1) : values.valid;
    if (spec.kind == ColumnKind::Float) column.assignFloats(values.floats, std::move(valid));
    else column.assignInts(values.ints, std::move(valid));
    return column;
  }
  for (std::size_t i = 0; i < rows; ++i) {
    if (null(i)) {
      column.appendNull();
      continue;
    }
    std::size_t at = values.at(i);
    switch (spec.kind) {
      case ColumnKind::Float: column.appendFloat(numberAt(values, i)); break;
      case ColumnKind::String: column.appendString(values.kind == ColumnKind::String || values.kind == ColumnKind::Category ? textAt(values, i) : std::string_view(textOf(values, i))); break;
      case ColumnKind::Category: {
        if (values.kind == ColumnKind::Category && values.levels && *values.levels == spec.levels) {
          column.appendLevel(static_cast<std::uint32_t>(values.ints[at]));
          break;
        }
        std::string_view text = textAt(values, i);
        auto it = std::find(spec.levels.begin(), spec.levels.end(), text);
        if (it == spec.levels.end()) column.appendNull();
        else column.appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
        break;
      }
      default:
        column.appendInt(values.kind == ColumnKind::Float ? static_cast<std::int64_t>(values.floats[at]) : values.ints[at]);
        break;
    }
  }
  return column;
}

}  // namespace weir::runtime
