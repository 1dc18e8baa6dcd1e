#include "io/JsonLinesReader.h"

#include "io/ValueParsers.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
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

// The common line read by simdjson (about ten times nlohmann's speed): an object of scalars with
// distinct keys and no escapes, every value of which its column takes. Any other line (one to
// report, a nested value, an escape) is left to nlohmann's path below, which says what is wrong:
// so a line this path stores holds what that path would have stored (both parse numbers to the
// nearest double), and every message is that path's.
class FastLines {
 public:
  FastLines(const std::vector<ColumnSpec>& declared, const std::vector<Column*>& columnOf, const JsonLinesOptions& options)
      : declared_(declared), columnOf_(columnOf), options_(options) {}

  // True when the line's values were stored; false: nothing was (the slow path reads it).
  bool read(std::string_view line, Table& table, std::set<std::string>& ignored) {
    if (line.find('\\') != std::string_view::npos) return false;
    simdjson::dom::element document;
    simdjson::dom::object object;
    if (parser_.parse(line.data(), line.size(), /*realloc_if_needed=*/true).get(document) || document.get_object().get(object)) return false;
    members_.clear();
    for (simdjson::dom::key_value_pair member : object) {
      if (member.value.is_object() || member.value.is_array()) return false;
      for (const auto& [key, value] : members_) {
        if (key == member.key) return false;  // a key twice
      }
      members_.emplace_back(member.key, member.value);
    }
    for (const auto& [key, value] : members_) {
      bool isDeclared = std::any_of(declared_.begin(), declared_.end(), [&](const ColumnSpec& s) { return s.name == key; });
      if (isDeclared) continue;
      if (options_.strict) return false;
      if (!ignored.count(std::string(key))) ignored.insert(std::string(key));
    }
    for (std::size_t c = 0; c < declared_.size(); ++c) {
      const simdjson::dom::element* value = nullptr;
      for (const auto& [key, element] : members_) {
        if (key == declared_[c].name) value = &element;
      }
      if (!store(columnOf_[c], declared_[c], value)) {
        for (Column& column : table.columns) {
          if (column.size() > table.rowsWithoutColumns) column.popBack();
        }
        return false;
      }
    }
    return true;
  }

 private:
  // appendValue's rules for the values it accepts; false for any it would not.
  bool store(Column* column, const ColumnSpec& spec, const simdjson::dom::element* value) const {
    std::string_view text;
    bool isString = value != nullptr && value->get_string().get(text) == simdjson::SUCCESS;
    bool token = isString && !options_.nullTokens.empty() &&
                 std::find(options_.nullTokens.begin(), options_.nullTokens.end(), text) != options_.nullTokens.end();
    if (value == nullptr || value->is_null() || token) {
      if (!spec.nullable) return false;
      if (column != nullptr) column->appendNull();
      return true;
    }
    switch (spec.kind) {
      case ColumnKind::Int: {
        std::int64_t v = 0;
        if (value->type() != simdjson::dom::element_type::INT64 || value->get_int64().get(v)) return false;
        if (column != nullptr) column->appendInt(v);
        return true;
      }
      case ColumnKind::Float: {
        double v = 0;
        switch (value->type()) {
          case simdjson::dom::element_type::INT64: v = static_cast<double>(value->get_int64().value_unsafe()); break;
          case simdjson::dom::element_type::UINT64: v = static_cast<double>(value->get_uint64().value_unsafe()); break;
          case simdjson::dom::element_type::DOUBLE:
            v = value->get_double().value_unsafe();
            // `-0` is an integer to nlohmann (0): left to it.
            if (v == 0 && std::signbit(v)) return false;
            break;
          default: return false;
        }
        if (column != nullptr) column->appendFloat(v);
        return true;
      }
      case ColumnKind::Bool: {
        bool v = false;
        if (value->get_bool().get(v)) return false;
        if (column != nullptr) column->appendInt(v ? 1 : 0);
        return true;
      }
      case ColumnKind::String:
        if (!isString) return false;
        if (column != nullptr) column->appendString(text);
        return true;
      case ColumnKind::Date:
      case ColumnKind::Timestamp: {
        if (!isString) return false;
        std::optional<std::int64_t> v;
        if (spec.kind == ColumnKind::Date) {
          if (auto days = parseDate(text)) v = *days;
        } else {
          v = parseTimestamp(text);
        }
        if (!v) return false;
        if (column != nullptr) column->appendInt(*v);
        return true;
      }
      case ColumnKind::Category: {
        if (!isString) return false;
        auto it = std::find(spec.levels.begin(), spec.levels.end(), text);
        if (it == spec.levels.end()) return false;
        if (column != nullptr) column->appendLevel(static_cast<std::uint32_t>(it - spec.levels.begin()));
        return true;
      }
    }
    return false;
  }

  const std::vector<ColumnSpec>& declared_;
  const std::vector<Column*>& columnOf_;
  const JsonLinesOptions& options_;
  simdjson::dom::parser parser_;
  std::vector<std::pair<std::string_view, simdjson::dom::element>> members_;
};

// The lines of [begin, end) of the text (it starts at a line and ends after a line break or at
// the text's end), read on their own: a piece of a file read in parallel. Lines of JSON hold no
// line breaks (JSON strings escape them), so a file may be cut after any one.
struct LinesPiece {
  std::size_t begin = 0, end = 0;
  Table table;
  std::vector<std::uint32_t> rowLines;  // per kept row, its line within the piece (1-based)
  std::vector<DataError> errors;        // lines within the piece; under `fail`, the first only
  std::size_t skipped = 0;
  std::set<std::string> ignored;
  std::uint32_t lines = 0;  // lines read
};

void readLines(std::string_view text, const std::vector<ColumnSpec>& declared, const JsonLinesOptions& options, LinesPiece& piece) {
  // Every declared column is checked; the stored ones are kept (a source's rows do not depend on
  // what reads them).
  std::vector<Column*> columnOf = storedColumns(piece.table, declared, options.only);  // null: checked only
  FastLines fast(declared, columnOf, options);
  std::uint32_t lineNumber = 0;
  std::size_t offset = piece.begin;
  while (offset < piece.end) {
    std::size_t end = text.find('\n', offset);
    if (end == std::string_view::npos || end > piece.end) end = piece.end;
    std::string_view line = text.substr(offset, end - offset);
    offset = end + 1;
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (piece.begin == 0 && lineNumber == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (fast.read(line, piece.table, piece.ignored)) {
      ++piece.table.rowsWithoutColumns;
      if (options.rowLines) piece.rowLines.push_back(lineNumber);
      continue;
    }

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
        if (!piece.ignored.count(key)) piece.ignored.insert(key);
      }
      for (std::size_t c = 0; !bad && c < declared.size(); ++c) {
        auto it = object.find(declared[c].name);
        const json* value = it == object.end() ? nullptr : &*it;
        if (auto message = appendValue(columnOf[c], declared[c], value, options.nullTokens)) {
          bad = DataError{{lineNumber, 1, false}, declared[c].name, *message, std::string(line)};
        }
      }
      for (Column& column : piece.table.columns) {
        if (bad && column.size() > piece.table.rowsWithoutColumns) column.popBack();
      }
    }
    if (!bad) {
      ++piece.table.rowsWithoutColumns;
      if (options.rowLines) piece.rowLines.push_back(lineNumber);
      continue;
    }
    if (options.onError == OnError::Skip) {
      ++piece.skipped;
      continue;
    }
    piece.errors.push_back(std::move(*bad));
    if (options.onError == OnError::Fail) break;  // the pieces after this one are not needed
  }
  piece.lines = lineNumber;
}

}  // namespace

ReadResult readJsonLines(std::string_view text, const std::vector<ColumnSpec>& declared, const JsonLinesOptions& options) {
  // Pieces of at least 1 MB, four per thread, each cut after a line break; read in parallel and
  // joined in file order, so the table, its strings' dictionary and the errors are the ones a
  // single pass gives whatever the number of threads.
  constexpr std::size_t kPieceBytes = 1 << 20;
  auto threads = static_cast<std::size_t>(tbb::this_task_arena::max_concurrency());
  std::size_t count = std::max<std::size_t>(1, std::min(text.size() / kPieceBytes, threads * 4));
  std::vector<LinesPiece> pieces;
  std::size_t begin = 0;
  for (std::size_t p = 1; p <= count && begin < text.size(); ++p) {
    std::size_t end = p == count ? text.size() : text.find('\n', std::max(begin, text.size() / count * p));
    end = end == std::string_view::npos ? text.size() : std::min(end + 1, text.size());
    pieces.push_back(LinesPiece{begin, end, {}, {}, {}, 0, {}, 0});
    begin = end;
  }
  if (pieces.empty()) pieces.push_back(LinesPiece{});
  std::atomic<std::size_t> firstFailed = pieces.size();  // under `fail`: pieces after it are skipped
  tbb::parallel_for(std::size_t(0), pieces.size(), [&](std::size_t p) {
    if (options.onError == OnError::Fail && p > firstFailed.load()) return;
    readLines(text, declared, options, pieces[p]);
    if (!pieces[p].errors.empty()) {
      std::size_t seen = firstFailed.load();
      while (p < seen && !firstFailed.compare_exchange_weak(seen, p)) {
      }
    }
  });

  ReadResult result;
  std::set<std::string> ignored;
  std::uint32_t line = 0;  // lines before the piece
  std::vector<Table> tables;
  for (LinesPiece& piece : pieces) {
    for (DataError& e : piece.errors) {
      e.at.line += line;
      if (options.onError == OnError::Fail) {
        // As a single pass leaves it: the rows before the bad line.
        result.error = std::move(e);
        for (std::uint32_t rowLine : piece.rowLines) result.rowLines.push_back(rowLine + line);
        tables.push_back(std::move(piece.table));
        result.table = concatenate(std::move(tables));
        return result;
      }
      result.quarantined.push_back(std::move(e));
    }
    for (std::uint32_t rowLine : piece.rowLines) result.rowLines.push_back(rowLine + line);
    result.skipped += piece.skipped;
    ignored.insert(piece.ignored.begin(), piece.ignored.end());
    line += piece.lines;
    tables.push_back(std::move(piece.table));
  }
  result.table = concatenate(std::move(tables));
  for (const std::string& name : ignored) result.ignoredColumns.push_back("`" + name + "`");
  result.records = result.table.rows();
  return result;
}

}  // namespace weir::runtime
