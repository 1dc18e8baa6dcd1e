#include "io/JsonLinesWriter.h"

#include "io/CsvWriter.h"

#include <fmt/format.h>

#include <cmath>

namespace weir::runtime {

namespace {

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) out += fmt::format("\\u{:04x}", u);
        else out += c;
    }
  }
  out += '"';
}

}  // namespace

std::string writeJsonLines(const Table& table) {
  std::string out;
  std::vector<std::string> keys;
  for (const Column& column : table.columns) {
    std::string key;
    appendJsonString(key, column.spec().name);
    keys.push_back(key + ":");
  }
  for (std::size_t row = 0; row < table.rows(); ++row) {
    out += '{';
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      const Column& column = table.columns[c];
      if (c > 0) out += ',';
      out += keys[c];
      if (column.isNull(row)) {
        out += "null";
        continue;
      }
      switch (column.kind()) {
        case ColumnKind::Int: out += std::to_string(column.intAt(row)); break;
        case ColumnKind::Float: {
          double x = column.floatAt(row);
          out += std::isfinite(x) ? fmt::format("{}", x) : "null";
          break;
        }
        case ColumnKind::Bool: out += column.intAt(row) != 0 ? "true" : "false"; break;
        case ColumnKind::Date: appendJsonString(out, formatDate(column.intAt(row))); break;
        case ColumnKind::Timestamp: appendJsonString(out, formatTimestamp(column.intAt(row))); break;
        case ColumnKind::String:
        case ColumnKind::Category: appendJsonString(out, column.stringAt(row)); break;
      }
    }
    out += "}\n";
  }
  return out;
}

}  // namespace weir::runtime
