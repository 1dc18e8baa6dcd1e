#pragma once

// The language server's protocol layer: JSON-RPC 2.0 messages and the LSP types the server
// speaks, and the conversions between the editor's coordinates and ours. LSP positions are
// 0-based lines and UTF-16 code units; Weir's ranges (source/SourceRange.h) are 1-based lines
// and code points; edits arrive as LSP ranges over a document's bytes. Every conversion clamps
// a position past the end of its line or of the document to that end: a position never fails.

#include "source/SourceManager.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::lsp {

using nlohmann::json;

// JSON-RPC and LSP error codes.
namespace error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kServerNotInitialized = -32002;
inline constexpr int kRequestFailed = -32803;
}  // namespace error

json makeResponse(const json& id, json result);
json makeError(const json& id, int code, const std::string& message);
json makeNotification(const std::string& method, json params);

// An LSP position: 0-based line, UTF-16 code units into it.
struct Position {
  std::uint32_t line = 0;
  std::uint32_t character = 0;
  friend bool operator==(const Position&, const Position&) = default;
};
struct Range {
  Position start;
  Position end;
};

// Reads `{"line": L, "character": C}`; nullopt when it is not one (negative or not numbers).
std::optional<Position> parsePosition(const json& value);
std::optional<Range> parseRange(const json& value);
json toJson(const Position& position);
json toJson(const Range& range);

// A text's lines, for converting positions: built once per text, each conversion reads one line.
class LineTable {
 public:
  explicit LineTable(std::string_view text);
  std::uint32_t lineCount() const { return static_cast<std::uint32_t>(starts_.size()); }
  // A 0-based line without its terminator (and a trailing `\r`); empty past the end.
  std::string_view line(std::uint32_t line) const;

  // The byte offset of an LSP position (clamped to its line and to the text).
  std::size_t offsetOf(Position position) const;
  // The LSP position of a byte offset (clamped to the text).
  Position positionOf(std::size_t offset) const;
  // Weir's location (1-based line, code-point column) of an LSP position, and back.
  source::SourceLocation locationOf(Position position) const;
  Position positionOf(source::SourceLocation location) const;
  Range rangeOf(const source::SourceRange& range) const {
    return {positionOf(range.begin), positionOf(range.end.valid() ? range.end : range.begin)};
  }

 private:
  std::string_view text_;
  std::vector<std::size_t> starts_;
  std::vector<bool> ascii_;  // per line: every byte ASCII (a column is then a UTF-16 unit)
};

// The same conversions against a file of a compilation (its text is the document's when it was
// compiled).
Position positionIn(const source::SourceFile& file, source::SourceLocation location);
Range rangeIn(const source::SourceFile& file, const source::SourceRange& range);
source::SourceLocation locationIn(const source::SourceFile& file, Position position);

// UTF-16 code units of UTF-8 text (a 4-byte sequence counts two; a byte that starts no
// sequence counts one, as the editor's replacement character does).
std::uint32_t utf16Length(std::string_view utf8);
// The byte offset in `line` of `units` UTF-16 code units (clamped to its end).
std::size_t byteOffsetOfUtf16(std::string_view line, std::uint32_t units);

// Applies one `contentChanges` entry of didChange to `text`: with a range, replaces it; without,
// replaces the whole text. False (text unchanged) when the entry is malformed.
bool applyContentChange(std::string& text, const json& change);

// `file:///a%20b/c.mlflow` <-> `/a b/c.mlflow`. nullopt for another scheme or a URI that does
// not decode.
std::optional<std::string> uriToPath(const std::string& uri);
std::string pathToUri(const std::string& path);

}  // namespace weir::lsp
