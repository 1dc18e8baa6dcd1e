#include "io/JsonLinesReader.h"

#include "io/ValueParsers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace weir::runtime {

namespace {

using nlohmann::json;

// How deep arrays and objects may nest in one line. A row's values are scalars, so only keys the
// schema ignores nest at all; the bound keeps what reads and prints a value (nlohmann's
// serializer recurses once per level) within a small stack, whatever the data.
constexpr std::size_t kMaxJsonDepth = 100;

// One pass over a line's characters outside strings: whether its brackets nest deeper than
// `limit` (checked before parsing, which recurses), and how many keys it writes in all its objects
// (once it parsed, a colon outside a string follows a key and nothing else).
struct LineShape {
  bool tooDeep = false;
  std::size_t keys = 0;
};

LineShape shapeOf(std::string_view line, std::size_t limit) {
  LineShape shape;
  std::size_t depth = 0;
  bool inString = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == ':') {
      ++shape.keys;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) {
        shape.tooDeep = true;
        return shape;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return shape;
}

std::string kindName(const json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  return "null";
}

// Stores one value in its column, or says why it cannot. A string equal to a null token is null.
// `column` null: only checks.
std::optional<std::string> appendValue(Column* column, const ColumnSpec& spec, const json* value, const std::vector<std::string>& nullTokens) {
  bool token = value != nullptr && !nullTokens.empty() && value->is_string() &&
               std::find(nullTokens.begin(), nullTokens.end(), value->get_ref<const std::string&>()) != nullTokens.end();
  if (value == nullptr || value->is_null() || token) {
    if (!spec.nullable) {
      if (token) return "null value `" + value->get<std::string>() + "` in a column that cannot be null";
      return std::string(value == nullptr ? "missing" : "null") + " value in a column that cannot be null";
    }
    if (column != nullptr) column->appendNull();
    return std::nullopt;
  }
  auto expected = [&](const std::string& found) {
    return "expected " + std::string(columnKindName(spec.kind)) + ", found " + found;
  };
  switch (spec.kind) {
    case ColumnKind::Int:
      if (value->is_number_integer()) {
        if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return expected("a number beyond 64 bits");
        if (column != nullptr) column->appendInt(value->get<std::int64_t>());
        return std::nullopt;
      }
      return expected(kindName(*value) + " `" + value->dump() + "`");
    case ColumnKind::Float:
      if (value->is_number()) {
        if (column != nullptr) column->appendFloat(value->get<double>());
        return std::nullopt;
      }
      return expected(kindName(*value) + " `" + value->dump() + "`");
    case ColumnKind::Bool:
      if (value->is_boolean()) {
        if (column != nullptr) column->appendInt(value->get<bool>() ? 1 : 0);
        return std::nullopt;
      }
      return expected(kindName(*value) + " `" + value->dump() + "`");
    case ColumnKind::String:
      if (value->is_string()) {
        if (column != nullptr) column->appendString(value->get_ref<const std::string&>());
        return std::nullopt;
      }
      return expected(kindName(*value) + " `" + value->dump() + "`");
    case ColumnKind::Date:
    case ColumnKind::Timestamp: {
      if (!value->is_string()) return expected(kindName(*value) + " `" + value->dump() + "`");
      const std::string& text = value->get_ref<const std::string&>();
      if (spec.kind == ColumnKind::Date) {
        if (auto days = parseDate(text)) {
          if (column != nullptr) column->appendInt(*days);
          return std::nullopt;
        }
        return expected("`" + text + "` (dates are written YYYY-MM-DD)");
      }
      if (auto micros = parseTimestamp(text)) {
        if (column != nullptr) column->appendInt(*micros);
        return std::nullopt;
      }
      return expected("`" + text + "` (timestamps are written YYYY-MM-DDTHH:MM:SSZ)");
    }
    case ColumnKind::Category: {
      if (!value->is_string()) return expected(kindName(*value) + " `" + value->dump() + "`");
      const std::string& text = value->get_ref<const std::string&>();
      auto it = std::find(spec.levels.begin(), spec.levels.end(), text);
      if (it == spec.levels.end()) return "`" + text + "` is not one of the category's levels";
      if (column != nullptr) column->appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
      return std::nullopt;
    }
  }
  return std::string("unsupported column kind");
}

// How many members the parsed value's objects hold: fewer than LineShape::keys when a key was
// written twice in one object.
std::size_t membersKept(const json& value) {
  std::size_t members = value.is_object() ? value.size() : 0;
  if (value.is_object() || value.is_array()) {
    for (const json& item : value) members += item.is_structured() ? membersKept(item) : 0;
  }
  return members;
}

// Why a line the parser discarded is not JSON (a cold path: it parses again to find out). A
// number beyond a float's range is said so: sinks never write one (non-finite floats are null).
std::string whyNotJson(std::string_view line) {
  try {
    json parsed = json::parse(line.begin(), line.end());
  } catch (const json::out_of_range&) {
    return "not valid JSON: a number beyond a float's range";
  } catch (const json::exception&) {
  }
  return "not valid JSON";
}

// The first key written twice in one object of a line (nested objects included), and whether
// that object is the record itself. Run only on lines known to have one.
std::pair<std::string, bool> firstDuplicateKey(std::string_view line) {
  std::vector<std::set<std::string>> keysOfObject;
  std::optional<std::pair<std::string, bool>> found;
  json::parser_callback_t note = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keysOfObject.emplace_back();
    if (event == json::parse_event_t::object_end && !keysOfObject.empty()) keysOfObject.pop_back();
    if (event == json::parse_event_t::key && !keysOfObject.empty() && !found &&
        !keysOfObject.back().insert(parsed.get<std::string>()).second) {
      found = {parsed.get<std::string>(), keysOfObject.size() == 1};
    }
    return true;
  };
  json parsed = json::parse(line.begin(), line.end(), note, /*allow_exceptions=*/false);
  return found.value_or(std::pair<std::string, bool>{});
}

}  // namespace

ReadResult readJsonLines(std::string_view text, const std::vector<ColumnSpec>& declared, const JsonLinesOptions& options) {
  ReadResult result;
  // Every declared column is checked; the stored ones are kept (a source's rows do not depend on
  // what reads them).
  std::vector<Column*> columnOf = storedColumns(result.table, declared, options.only);  // null: checked only
  std::set<std::string> ignored;
  std::uint32_t lineNumber = 0;
  std::size_t offset = 0;
  while (offset < text.size()) {
    std::size_t end = text.find('\n', offset);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(offset, end - offset);
    offset = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (lineNumber == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;

    std::optional<DataError> bad;
    json object;
    LineShape shape = shapeOf(line, kMaxJsonDepth);
    if (shape.tooDeep) {
      bad = DataError{{lineNumber, 1, false}, "", "arrays and objects nested more than " + std::to_string(kMaxJsonDepth) + " levels deep", std::string(line)};
    } else if (object = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
               !object.is_discarded() && shape.keys != membersKept(object)) {
      // A key twice in one object is a bad record (the parser keeps the last value silently).
      auto [key, topLevel] = firstDuplicateKey(line);
      bad = DataError{{lineNumber, 1, false}, topLevel ? key : "", "duplicate key `" + key + "`", std::string(line)};
    } else if (object.is_discarded()) {
      bad = DataError{{lineNumber, 1, false}, "", whyNotJson(line), std::string(line)};
    } else if (!object.is_object()) {
      bad = DataError{{lineNumber, 1, false}, "", "expected a JSON object, found " + kindName(object), std::string(line)};
    } else {
      for (const auto& item : object.items()) {
        const std::string& key = item.key();  // not a structured binding: clang 14 cannot capture one
        bool isDeclared = std::any_of(declared.begin(), declared.end(), [&](const ColumnSpec& s) { return s.name == key; });
        if (isDeclared) continue;
        if (options.strict) {
          bad = DataError{{lineNumber, 1, false}, key, "the key `" + key + "` is not a declared column (the source says `strict = true`)", std::string(line)};
          break;
        }
        if (!ignored.count(key)) ignored.insert(key);
      }
      for (std::size_t c = 0; !bad && c < declared.size(); ++c) {
        auto it = object.find(declared[c].name);
        const json* value = it == object.end() ? nullptr : &*it;
        if (auto message = appendValue(columnOf[c], declared[c], value, options.nullTokens)) {
          bad = DataError{{lineNumber, 1, false}, declared[c].name, *message, std::string(line)};
        }
      }
      for (Column& column : result.table.columns) {
        if (bad && column.size() > result.table.rowsWithoutColumns) column.popBack();
      }
    }
    if (!bad) {
      ++result.table.rowsWithoutColumns;
      if (options.rowLines) result.rowLines.push_back(lineNumber);
      continue;
    }
    switch (options.onError) {
      case OnError::Fail: result.error = bad; return result;
      case OnError::Skip: ++result.skipped; break;
      case OnError::Quarantine: result.quarantined.push_back(*bad); break;
    }
  }
  for (const std::string& name : ignored) result.ignoredColumns.push_back("`" + name + "`");
  result.records = result.table.rows();
  return result;
}

}  // namespace weir::runtime
