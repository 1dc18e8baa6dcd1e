#include "lsp/Protocol.h"

#include <algorithm>
#include <cctype>

namespace weir::lsp {

json makeResponse(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

json makeError(const json& id, int code, const std::string& message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

json makeNotification(const std::string& method, json params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

namespace {

std::optional<std::uint32_t> readIndex(const json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  std::int64_t value = it->get<std::int64_t>();
  if (value < 0) return std::nullopt;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(value, UINT32_MAX));
}

bool isContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

std::optional<Position> parsePosition(const json& value) {
  std::optional<std::uint32_t> line = readIndex(value, "line");
  std::optional<std::uint32_t> character = readIndex(value, "character");
  if (!line || !character) return std::nullopt;
  return Position{*line, *character};
}

std::optional<Range> parseRange(const json& value) {
  if (!value.is_object() || !value.contains("start") || !value.contains("end")) return std::nullopt;
  std::optional<Position> start = parsePosition(value["start"]);
  std::optional<Position> end = parsePosition(value["end"]);
  if (!start || !end) return std::nullopt;
  return Range{*start, *end};
}

json toJson(const Position& position) { return json{{"line", position.line}, {"character", position.character}}; }

json toJson(const Range& range) { return json{{"start", toJson(range.start)}, {"end", toJson(range.end)}}; }

std::uint32_t utf16Length(std::string_view utf8) {
  std::uint32_t units = 0;
  for (char c : utf8) {
    auto byte = static_cast<unsigned char>(c);
    if (isContinuation(byte)) continue;
    units += byte >= 0xF0 ? 2 : 1;
  }
  return units;
}

std::size_t byteOffsetOfUtf16(std::string_view line, std::uint32_t units) {
  std::uint32_t counted = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto byte = static_cast<unsigned char>(line[i]);
    if (isContinuation(byte)) continue;
    if (counted >= units) return i;
    counted += byte >= 0xF0 ? 2 : 1;
  }
  return line.size();
}

LineTable::LineTable(std::string_view text) : text_(text) {
  starts_.push_back(0);
  bool ascii = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      starts_.push_back(i + 1);
      ascii_.push_back(ascii);
      ascii = true;
    } else if (static_cast<unsigned char>(text[i]) >= 0x80) {
      ascii = false;
    }
  }
  ascii_.push_back(ascii);
}

std::string_view LineTable::line(std::uint32_t line) const {
  if (line >= starts_.size()) return {};
  std::size_t begin = starts_[line];
  std::size_t end = line + 1 < starts_.size() ? starts_[line + 1] - 1 : text_.size();
  if (end > begin && text_[end - 1] == '\r') --end;
  return text_.substr(begin, end - begin);
}

std::size_t LineTable::offsetOf(Position position) const {
  if (position.line >= starts_.size()) return text_.size();
  return starts_[position.line] + byteOffsetOfUtf16(line(position.line), position.character);
}

Position LineTable::positionOf(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  auto lineIndex = static_cast<std::uint32_t>(it - starts_.begin() - 1);
  std::string_view text = line(lineIndex);
  std::size_t within = std::min(offset - starts_[lineIndex], text.size());
  return {lineIndex, utf16Length(text.substr(0, within))};
}

source::SourceLocation LineTable::locationOf(Position position) const {
  if (position.line >= starts_.size()) {
    position.line = lineCount() - 1;
    position.character = UINT32_MAX;
  }
  std::string_view text = line(position.line);
  std::size_t bytes = byteOffsetOfUtf16(text, position.character);
  std::uint32_t column = 1;
  for (std::size_t i = 0; i < bytes; ++i) {
    if (!isContinuation(static_cast<unsigned char>(text[i]))) ++column;
  }
  return {position.line + 1, column};
}

Position LineTable::positionOf(source::SourceLocation location) const {
  if (!location.valid()) return {};
  std::uint32_t lineIndex = std::min(location.line - 1, lineCount() - 1);
  std::string_view text = line(lineIndex);
  if (ascii_[lineIndex]) return {lineIndex, static_cast<std::uint32_t>(std::min<std::size_t>(location.column - 1, text.size()))};
  std::uint32_t units = 0;
  std::uint32_t column = 1;
  for (std::size_t i = 0; i < text.size() && column < location.column; ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (isContinuation(byte)) continue;
    units += byte >= 0xF0 ? 2 : 1;
    ++column;
  }
  return {lineIndex, units};
}

Position positionIn(const source::SourceFile& file, source::SourceLocation location) {
  if (!location.valid()) return {};
  std::uint32_t line = std::min(location.line, std::max<std::uint32_t>(file.lineCount(), 1));
  std::string_view text = file.line(line);
  return {line - 1, utf16Length(text.substr(0, source::byteOffsetOfColumn(text, location.column)))};
}

Range rangeIn(const source::SourceFile& file, const source::SourceRange& range) {
  return {positionIn(file, range.begin), positionIn(file, range.end.valid() ? range.end : range.begin)};
}

source::SourceLocation locationIn(const source::SourceFile& file, Position position) {
  std::uint32_t lines = std::max<std::uint32_t>(file.lineCount(), 1);
  if (position.line >= lines) {
    position.line = lines - 1;
    position.character = UINT32_MAX;
  }
  std::string_view text = file.line(position.line + 1);
  std::size_t bytes = byteOffsetOfUtf16(text, position.character);
  return {position.line + 1, source::codePointCount(text.substr(0, bytes)) + 1};
}

bool applyContentChange(std::string& text, const json& change) {
  if (!change.is_object()) return false;
  auto textIt = change.find("text");
  if (textIt == change.end() || !textIt->is_string()) return false;
  const std::string& replacement = textIt->get_ref<const std::string&>();
  auto rangeIt = change.find("range");
  if (rangeIt == change.end() || rangeIt->is_null()) {
    text = replacement;
    return true;
  }
  std::optional<Range> range = parseRange(*rangeIt);
  if (!range) return false;
  LineTable lines(text);
  std::size_t begin = lines.offsetOf(range->start);
  std::size_t end = lines.offsetOf(range->end);
  if (end < begin) std::swap(begin, end);
  text.replace(begin, end - begin, replacement);
  return true;
}

namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> uriToPath(const std::string& uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.compare(0, kScheme.size(), kScheme) != 0) return std::nullopt;
  std::string_view rest = std::string_view(uri).substr(kScheme.size());
  // `file://localhost/x` names the same file as `file:///x`; another host is not ours.
  if (rest.compare(0, 9, "localhost") == 0) rest.remove_prefix(9);
  if (rest.empty() || rest.front() != '/') return std::nullopt;
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%') {
      if (i + 2 >= rest.size()) return std::nullopt;
      int high = hexValue(rest[i + 1]);
      int low = hexValue(rest[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      char decoded = static_cast<char>(high * 16 + low);
      if (decoded == '\0') return std::nullopt;
      path += decoded;
      i += 2;
    } else if (rest[i] == '?' || rest[i] == '#') {
      break;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::string pathToUri(const std::string& path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string uri = "file://";
  for (char c : path) {
    auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      uri += c;
    } else {
      uri += '%';
      uri += kHex[byte >> 4];
      uri += kHex[byte & 15];
    }
  }
  return uri;
}

}  // namespace weir::lsp
